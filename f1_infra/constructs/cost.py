"""What the environment costs: the monthly AWS settings."""

from cdktf_cdktf_provider_aws.budgets_budget import BudgetsBudget, BudgetsBudgetCostFilter, BudgetsBudgetNotification
from constructs import Construct

from f1_infra.settings.monitoring import BudgetConfig


def monthly_budget(
    scope: Construct, *, settings: BudgetConfig, name_prefix: str, environment: str, topic_arn: str
) -> None:
    """A monthly cost budget notifying the alerts topic of actual and forecast spend."""
    BudgetsBudget(
        scope,
        "budget",
        name=f"{name_prefix}-monthly-cost",
        budget_type="COST",
        time_unit="MONTHLY",
        limit_amount=f"{settings.monthly_limit_usd:.2f}",
        limit_unit="USD",
        # Only this environment's resources, which the provider tags with Environment; the tag
        # must be activated as a cost allocation tag (docs/modules/monitoring.md).
        cost_filter=(
            [BudgetsBudgetCostFilter(name="TagKeyValue", values=[f"user:Environment${environment}"])]
            if settings.filter_by_environment_tag
            else None
        ),
        notification=[
            BudgetsBudgetNotification(
                notification_type=kind,
                comparison_operator="GREATER_THAN",
                threshold=threshold,
                threshold_type="PERCENTAGE",
                subscriber_sns_topic_arns=[topic_arn],
            )
            for kind, threshold in (
                ("ACTUAL", settings.actual_threshold_percent),
                ("FORECASTED", settings.forecast_threshold_percent),
            )
        ],
    )
