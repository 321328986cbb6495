"""The app as cdktf validates it: synth skips cdktf's construct validations where no terraform is
installed (f1_infra/app.py), so the suite runs them."""

from cdktf import App, TerraformStack
from cdktf_cdktf_provider_random.id import Id

# The only validations that need a terraform binary: they run `terraform version`.
NEEDS_TERRAFORM = "Could not determine version of terraform"


def test_every_construct_passes_cdktf_validations(app: App) -> None:
    messages = [message for construct in app.node.find_all() for message in construct.node.validate()]
    assert [m for m in messages if not m.startswith(NEEDS_TERRAFORM)] == []


def test_the_validations_report_what_they_check() -> None:
    # A stack with a resource and no provider for it: cdktf's provider-presence validation.
    app = App()
    stack = TerraformStack(app, "orphan")
    Id(stack, "id", byte_length=4)
    messages = [message for construct in app.node.find_all() for message in construct.node.validate()]
    assert any("Found resources without a matching provider construct" in m for m in messages), messages
