"""The platform's front door: the internet-facing Application Load Balancer with its security
group, listeners (HTTP redirects to HTTPS; /api/* to the api target group, the rest to
frontend), ip target groups, certificate and WAF web ACL."""

from typing import Any

from cdktf import (
    TerraformIterator,
    TerraformResourceLifecycle,
    TerraformStack,
    TerraformVariable,
    TerraformVariableValidationConfig,
    Token,
)
from cdktf_cdktf_provider_aws.acm_certificate import AcmCertificate
from cdktf_cdktf_provider_aws.acm_certificate_validation import AcmCertificateValidation
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.lb import Lb, LbAccessLogs
from cdktf_cdktf_provider_aws.lb_listener import LbListener, LbListenerDefaultAction, LbListenerDefaultActionRedirect
from cdktf_cdktf_provider_aws.lb_listener_rule import (
    LbListenerRule,
    LbListenerRuleAction,
    LbListenerRuleCondition,
    LbListenerRuleConditionPathPattern,
)
from cdktf_cdktf_provider_aws.lb_target_group import LbTargetGroup, LbTargetGroupHealthCheck
from cdktf_cdktf_provider_aws.route53_record import Route53Record, Route53RecordAlias
from cdktf_cdktf_provider_aws.security_group import SecurityGroup, SecurityGroupEgress, SecurityGroupIngress
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from cdktf_cdktf_provider_aws.wafv2_web_acl import (
    Wafv2WebAcl,
    Wafv2WebAclDefaultAction,
    Wafv2WebAclDefaultActionAllow,
    Wafv2WebAclRule,
    Wafv2WebAclRuleAction,
    Wafv2WebAclRuleActionBlock,
    Wafv2WebAclRuleOverrideAction,
    Wafv2WebAclRuleOverrideActionNone,
    Wafv2WebAclRuleVisibilityConfig,
    Wafv2WebAclVisibilityConfig,
)
from cdktf_cdktf_provider_aws.wafv2_web_acl_association import Wafv2WebAclAssociation
from cdktf_cdktf_provider_aws.wafv2_web_acl_logging_configuration import Wafv2WebAclLoggingConfiguration
from constructs import Construct

from f1_infra.constructs.network import Network
from f1_infra.constructs.storage import Storage
from f1_infra.settings.monitoring import AlbConfig

# The current AWS-recommended policy: TLS 1.3 and 1.2 with hybrid post-quantum key exchange.
SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
CERTIFICATE_VARIABLE = "alb_certificate_arn"
API_PATHS = ("/api/*",)


def _cidr_rule(description: str, port: int, cidrs: list[str]) -> dict[str, Any]:
    # Every attribute is given: Terraform reads inline rules as objects whose attributes are all set.
    return {
        "description": description,
        "from_port": port,
        "to_port": port,
        "protocol": "tcp",
        "cidr_blocks": cidrs,
        "ipv6_cidr_blocks": [],
        "prefix_list_ids": [],
        "security_groups": [],
        "self_attribute": False,
    }


class LoadBalancer:
    """Built into ``scope`` (the monitoring construct) rather than a construct of its own, so that
    its resources keep the Terraform addresses they have always had.

    Attributes: ``lb`` (the load balancer), ``security_group_id``, ``waf_metric_name`` (the web
    ACL's metric name), ``target_groups`` (key -> target group). :meth:`admit_to_targets` opens
    the pods' security group to the load balancer.
    """

    def __init__(
        self,
        scope: Construct,
        *,
        settings: AlbConfig,
        name: str,
        name_prefix: str,
        environment: str,
        region: str,
        partition: str,
        kms_key_arn: str,
        network: Network,
        storage: Storage,
    ) -> None:
        self._scope = scope
        self._settings = settings
        cidrs = list(settings.ingress_cidrs)
        security_group = SecurityGroup(
            scope,
            "alb_security_group",
            name=f"{name}-sg",
            description=f"{name}: HTTP and HTTPS from the allowed CIDRs, out to the pods in the VPC only",
            vpc_id=network.vpc_id,
            ingress=[
                SecurityGroupIngress(**_cidr_rule("HTTP, redirected to HTTPS", 80, cidrs)),
                SecurityGroupIngress(**_cidr_rule("HTTPS", 443, cidrs)),
            ],
            egress=[
                SecurityGroupEgress(**_cidr_rule(f"Pods on {port} in the VPC", port, [network.vpc_cidr]))
                for port in self.target_ports
            ],
            tags={"Name": f"{name}-sg"},
        )
        self.security_group_id: str = security_group.id

        self.lb = Lb(
            scope,
            "alb",
            name=name,
            load_balancer_type="application",
            internal=False,
            subnets=network.public_subnet_ids,
            security_groups=[security_group.id],
            drop_invalid_header_fields=True,
            enable_deletion_protection=settings.deletion_protection,
            idle_timeout=settings.idle_timeout_seconds,
            access_logs=LbAccessLogs(bucket=storage.logs_bucket_name, prefix=storage.alb_log_prefix, enabled=True),
            # ELB checks that it may write to the bucket when access logs are switched on (rule 8).
            depends_on=[storage.logs_bucket_policy],
            tags={"Name": name},
        )

        self.target_groups: dict[str, LbTargetGroup] = {}
        for key, group in settings.target_groups.items():
            health = group.health_check
            self.target_groups[key] = LbTargetGroup(
                scope,
                f"{key}_target_group",
                name_prefix=group.name_prefix,
                port=group.port,
                protocol="HTTP",
                target_type="ip",
                vpc_id=network.vpc_id,
                deregistration_delay=str(group.deregistration_delay_seconds),
                health_check=LbTargetGroupHealthCheck(
                    enabled=True,
                    path=health.path,
                    port=health.port,
                    protocol="HTTP",
                    interval=health.interval_seconds,
                    timeout=health.timeout_seconds,
                    healthy_threshold=health.healthy_threshold,
                    unhealthy_threshold=health.unhealthy_threshold,
                    matcher=health.matcher,
                ),
                # A replacement (new port, say) is created before the listener lets go of the old group.
                lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
                tags={"Name": f"{name_prefix}-{key}"},
            )

        LbListener(
            scope,
            "http_listener",
            load_balancer_arn=self.lb.arn,
            port=80,
            protocol="HTTP",
            default_action=[
                LbListenerDefaultAction(
                    type="redirect",
                    redirect=LbListenerDefaultActionRedirect(port="443", protocol="HTTPS", status_code="HTTP_301"),
                )
            ],
        )
        https = LbListener(
            scope,
            "https_listener",
            load_balancer_arn=self.lb.arn,
            port=443,
            protocol="HTTPS",
            ssl_policy=SSL_POLICY,
            certificate_arn=self._certificate_arn(name_prefix, environment, region, partition),
            default_action=[
                LbListenerDefaultAction(type="forward", target_group_arn=self.target_groups["frontend"].arn)
            ],
        )
        LbListenerRule(
            scope,
            "api_rule",
            listener_arn=https.arn,
            priority=10,
            action=[LbListenerRuleAction(type="forward", target_group_arn=self.target_groups["api"].arn)],
            condition=[
                LbListenerRuleCondition(path_pattern=LbListenerRuleConditionPathPattern(values=list(API_PATHS)))
            ],
        )
        self._waf(name_prefix, kms_key_arn)

    @property
    def target_ports(self) -> list[int]:
        return sorted({g.port for _, g in self._settings.target_groups.items()})

    def _certificate_arn(self, name_prefix: str, environment: str, region: str, partition: str) -> str:
        scope, certificate = self._scope, self._settings.certificate
        if certificate.arn is not None:
            return certificate.arn
        if certificate.domain is not None and certificate.hosted_zone_id is not None:
            created = AcmCertificate(
                scope,
                "certificate",
                domain_name=certificate.domain,
                validation_method="DNS",
                key_algorithm="EC_prime256v1",
                lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
                tags={"Name": f"{name_prefix}-{certificate.domain}"},
            )
            options = TerraformIterator.from_complex_list(created.domain_validation_options, "domain_name")
            records = Route53Record(
                scope,
                "certificate_validation_record",
                for_each=options,
                zone_id=certificate.hosted_zone_id,
                name=options.get_string("resource_record_name"),
                type=options.get_string("resource_record_type"),
                records=[options.get_string("resource_record_value")],
                ttl=60,
                allow_overwrite=True,
            )
            validation = AcmCertificateValidation(
                scope,
                "certificate_validation",
                certificate_arn=created.arn,
                validation_record_fqdns=Token.as_list(TerraformIterator.from_resources(records).pluck_property("fqdn")),
            )
            Route53Record(
                scope,
                "alias_record",
                zone_id=certificate.hosted_zone_id,
                name=certificate.domain,
                type="A",
                alias=Route53RecordAlias(name=self.lb.dns_name, zone_id=self.lb.zone_id, evaluate_target_health=True),
            )
            # The listener takes the ARN from the validation, so it waits until the certificate is issued.
            return validation.certificate_arn
        variable = TerraformVariable(
            TerraformStack.of(scope),
            CERTIFICATE_VARIABLE,
            type="string",
            description=(
                f"ARN of the issued ACM certificate (in {region}) of the {environment} load balancer's "
                "HTTPS listener, given with -var for a local deploy (a Terraform Cloud environment names its "
                "certificate in the environment file instead)."
            ),
            validation=[
                TerraformVariableValidationConfig(
                    condition=(
                        f'${{can(regex("^arn:{partition}:acm:{region}:[0-9]{{12}}:certificate/'
                        f'[0-9a-f-]{{36}}$", var.{CERTIFICATE_VARIABLE}))}}'
                    ),
                    error_message=f"Must be an ACM certificate ARN in {region}: "
                    f"arn:{partition}:acm:{region}:<account>:certificate/<uuid>.",
                )
            ],
        )
        return variable.string_value

    def _waf(self, name_prefix: str, kms_key_arn: str) -> None:
        scope, waf = self._scope, self._settings.waf
        name = f"{name_prefix}-alb"

        def visibility(metric: str) -> dict[str, Any]:
            return {"cloudwatch_metrics_enabled": True, "metric_name": metric, "sampled_requests_enabled": True}

        rules = [
            Wafv2WebAclRule(
                name=group,
                priority=index,
                override_action=Wafv2WebAclRuleOverrideAction(none=Wafv2WebAclRuleOverrideActionNone()),
                statement={"managed_rule_group_statement": {"name": group, "vendor_name": "AWS"}},
                visibility_config=Wafv2WebAclRuleVisibilityConfig(**visibility(f"{name}-{group}")),
            )
            for index, group in enumerate(waf.managed_rule_groups, start=1)
        ]
        rules.append(
            Wafv2WebAclRule(
                name="rate-limit-per-ip",
                priority=len(rules) + 1,
                action=Wafv2WebAclRuleAction(block=Wafv2WebAclRuleActionBlock()),
                statement={"rate_based_statement": {"limit": waf.rate_limit_per_5_minutes, "aggregate_key_type": "IP"}},
                visibility_config=Wafv2WebAclRuleVisibilityConfig(**visibility(f"{name}-rate-limit")),
            )
        )
        acl = Wafv2WebAcl(
            scope,
            "waf",
            name=name,
            description=f"{name}: AWS managed rule groups and a per-IP rate limit",
            scope="REGIONAL",
            default_action=Wafv2WebAclDefaultAction(allow=Wafv2WebAclDefaultActionAllow()),
            rule=rules,
            visibility_config=Wafv2WebAclVisibilityConfig(**visibility(name)),
        )
        # The WebACL dimension of the web ACL's CloudWatch metrics is its metric name.
        self.waf_metric_name: str = name
        Wafv2WebAclAssociation(scope, "waf_association", resource_arn=self.lb.arn, web_acl_arn=acl.arn)
        # WAF delivers only to log groups whose name starts with aws-waf-logs-.
        log_group = CloudwatchLogGroup(
            scope,
            "waf_logs",
            name=f"aws-waf-logs-{name_prefix}",
            retention_in_days=waf.log_retention_days,
            kms_key_id=kms_key_arn,
        )
        Wafv2WebAclLoggingConfiguration(
            scope, "waf_logging", resource_arn=acl.arn, log_destination_configs=[log_group.arn]
        )

    def admit_to_targets(self, security_group_id: str) -> None:
        """Let the load balancer reach the pods of the security group (the EKS nodes' group, which
        the VPC CNI gives every pod) on the target groups' ports."""
        for port in self.target_ports:
            VpcSecurityGroupIngressRule(
                self._scope,
                f"targets_from_alb_{port}",
                security_group_id=security_group_id,
                referenced_security_group_id=self.security_group_id,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                description=f"Load balancer to pods on {port}",
            )
