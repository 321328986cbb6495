"""Tools for journey tests: would AWS let this request or this packet through the synthesized stack?

`policy` evaluates IAM policy documents for one request; `network` walks security group rules.
Both read the synthesized JSON only, so a journey test runs without an AWS account.
"""
