"""A custom rotation function for `coffer lambda create-function`, written as an AWS rotation
Lambda is: the event JSON (Step, SecretId, ClientRequestToken) comes on stdin, boto3 finds the
endpoint, region and credentials Coffer put in the environment, and each step does what AWS's
rotation template does for a secret holding an API token:

- createSecret: reuse the AWSPENDING version if it has a value, else generate a new token
  and PutSecretValue it under the rotation's ClientRequestToken with AWSPENDING;
- setSecret: nothing to change outside Coffer (a real function would call the target);
- testSecret: read the pending value back;
- finishSecret: move AWSCURRENT to the token's version.

For the test it also records, in $OUT_DIR, the step credentials it was given (to prove later
that they stop working) and what happened when it tried to read a secret that is not its own.
"""

import json
import os
import sys

import boto3
from botocore.exceptions import ClientError

OUT_DIR = os.environ["OUT_DIR"]


def record(name, value):
    with open(os.path.join(OUT_DIR, name), "a") as f:
        f.write(json.dumps(value) + "\n")


def create_secret(client, arn, token):
    current = json.loads(client.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")["SecretString"])
    try:
        client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
        return
    except ClientError as e:
        if e.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
    token_value = client.get_random_password(PasswordLength=40, ExcludePunctuation=True)["RandomPassword"]
    current["token"] = token_value
    client.put_secret_value(
        SecretId=arn,
        ClientRequestToken=token,
        SecretString=json.dumps(current),
        VersionStages=["AWSPENDING"],
    )


def test_secret(client, arn, token):
    pending = json.loads(
        client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")["SecretString"]
    )
    if len(pending.get("token", "")) != 40:
        raise RuntimeError("the pending token is not the generated one")


def finish_secret(client, arn, token):
    versions = client.describe_secret(SecretId=arn)["VersionIdsToStages"]
    current = next((v for v, stages in versions.items() if "AWSCURRENT" in stages), None)
    if current == token:
        return
    client.update_secret_version_stage(
        SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=current
    )


def main():
    event = json.load(sys.stdin)
    step, arn, token = event["Step"], event["SecretId"], event["ClientRequestToken"]
    client = boto3.client("secretsmanager")
    record(
        "credentials",
        {
            "step": step,
            "AccessKeyId": os.environ["AWS_ACCESS_KEY_ID"],
            "SecretAccessKey": os.environ["AWS_SECRET_ACCESS_KEY"],
        },
    )
    # Anything beyond this one secret is refused to a rotation step's credentials.
    try:
        client.get_secret_value(SecretId=os.environ["FORBIDDEN_SECRET"])
        record("forbidden", {"step": step, "outcome": "read"})
    except ClientError as e:
        record("forbidden", {"step": step, "outcome": e.response["Error"]["Code"]})
    steps = {
        "createSecret": create_secret,
        "setSecret": lambda *_: None,
        "testSecret": test_secret,
        "finishSecret": finish_secret,
    }
    steps[step](client, arn, token)


if __name__ == "__main__":
    main()
