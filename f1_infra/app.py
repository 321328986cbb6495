"""Building the CDKTF app: one PlatformStack per environment, and the bootstrap stack when any
environment keeps its state in Terraform Cloud."""

from cdktf import App

from f1_infra.settings.environment import EnvironmentConfig
from f1_infra.stack import PlatformStack


def build(configs: list[EnvironmentConfig], outdir: str | None = None) -> App:
    """An app with one stack per environment, named after the environment file. Without an
    outdir, cdktf's own choice applies ($CDKTF_OUTDIR, set by the cdktf CLI, or cdktf.out)."""
    app = App(outdir=outdir) if outdir else App()
    for config in configs:
        PlatformStack(app, config.name, config=config)
    if any(config.backend.is_cloud for config in configs):
        # Imported only when needed: the tfe provider takes a moment to load.
        from f1_infra.bootstrap import BOOTSTRAP_STACK, BootstrapStack

        BootstrapStack(app, BOOTSTRAP_STACK, configs=configs)
    return app
