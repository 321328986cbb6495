"""Building the CDKTF app: per environment a PlatformStack and its ClusterServicesStack
(`<env>-services`), and the bootstrap stack when any environment keeps its state in Terraform Cloud."""

import shutil

from f1_infra.config import PROJECT_ROOT
from f1_infra.runtime import keep_type_hints_of_binding_stubs, load_providers_on_demand, use_project_node

# Before the first provider import (f1_infra.stack's), so every entry point that builds the app
# (main.py, the tests, the docs generator) runs the project's Node.js and loads only the provider
# submodules the stacks use.
use_project_node(PROJECT_ROOT)
load_providers_on_demand()
keep_type_hints_of_binding_stubs()

from cdktf import App  # noqa: E402

from f1_infra.services_stack import ClusterServicesStack, services_stack_name  # noqa: E402
from f1_infra.settings.environment import EnvironmentConfig  # noqa: E402
from f1_infra.stack import PlatformStack  # noqa: E402


def new_app(outdir: str | None = None) -> App:
    """An empty app. Without an outdir, cdktf's own choice applies ($CDKTF_OUTDIR, set by the
    cdktf CLI, or cdktf.out)."""
    # cdktf's construct validations include `terraform version` checks (the cloud block needs
    # Terraform >= 1.1), which fail where no terraform is installed: a laptop or a CI job that only
    # synthesizes. Synthesis never runs terraform; tests/test_app.py runs every other validation,
    # and `make diff`/`make deploy` check the terraform they need themselves.
    options = {"skip_validation": shutil.which("terraform") is None}
    return App(outdir=outdir, **options) if outdir else App(**options)


def add_environment(app: App, config: EnvironmentConfig) -> tuple[PlatformStack, ClusterServicesStack]:
    """The environment's stack, named after its file, and its cluster services stack."""
    platform = PlatformStack(app, config.name, config=config)
    services = ClusterServicesStack(app, services_stack_name(config.name), config=config, platform=platform)
    return platform, services


def build(configs: list[EnvironmentConfig], outdir: str | None = None) -> App:
    """An app with the stacks of every environment, and the bootstrap stack when one is needed."""
    app = new_app(outdir)
    for config in configs:
        add_environment(app, config)
    if any(config.backend.is_cloud for config in configs):
        # Imported only when needed: the tfe provider takes a moment to load.
        from f1_infra.bootstrap import BOOTSTRAP_STACK, BootstrapStack

        BootstrapStack(app, BOOTSTRAP_STACK, configs=configs)
    return app
