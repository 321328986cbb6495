"""The settings the shipped files leave off, in one file of their own (the `custom` fixture of
tests/conftest.py): the principals and groups it names."""

ADMIN = "arn:aws:iam::123456789012:role/PlatformAdmin"
ANALYST = "arn:aws:iam::123456789012:role/RaceAnalyst"
DEVELOPER = "arn:aws:iam::123456789012:user/dev/jane"
BASTION = "sg-0123456789abcdef0"
