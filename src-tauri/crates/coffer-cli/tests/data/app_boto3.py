"""An application/admin script written against AWS Secrets Manager with boto3, pointed at a
running `coffer serve` through COFFER_ENDPOINT.

It does what a service and its operator do: store database credentials as JSON, read them
back, rotate to a new version, roll back with a staging-label move, page through the
inventory, tag, schedule a deletion and restore, and handle the API's errors by their codes.
Credentials and region come from the usual AWS_* environment variables. Every step is
checked; any mismatch raises. The last line printed is "boto3 OK".

The test gives the caller an identity policy allowing secretsmanager:* on secrets named
`app/*` (plus ListSecrets), and the root has already created `other/locked`, which this
caller must not read.
"""

import json
import os
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ACCOUNT = "123456789012"
REGION = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def error_code(call, *args, **kwargs):
    """Runs a call that must fail; returns the AWS error code and the ClientError."""
    try:
        call(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e
    raise AssertionError(f"{call.__name__} succeeded, expected an error")


def main():
    endpoint = os.environ["COFFER_ENDPOINT"]
    sm = boto3.client(
        "secretsmanager",
        endpoint_url=endpoint,
        region_name=REGION,
        config=Config(connect_timeout=5, read_timeout=30, retries={"mode": "standard"}),
    )

    # 1. Store the application's database credentials.
    creds = {"engine": "postgres", "host": "127.0.0.1", "port": 5432,
             "username": "app", "password": "first-password"}
    created = sm.create_secret(
        Name="app/db",
        Description="Application database credentials",
        SecretString=json.dumps(creds),
        Tags=[{"Key": "env", "Value": "test"}, {"Key": "team", "Value": "payments"}],
    )
    arn = created["ARN"]
    v1 = created["VersionId"]
    prefix = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:app/db-"
    check(arn.startswith(prefix) and len(arn) == len(prefix) + 6, f"ARN {arn}")
    check(created["Name"] == "app/db", created)

    # Creating it again is a conflict the application handles by code.
    code, _ = error_code(sm.create_secret, Name="app/db", SecretString="x")
    check(code == "ResourceExistsException", code)

    # 2. The application reads it as JSON, by name and by ARN.
    got = sm.get_secret_value(SecretId="app/db")
    check(json.loads(got["SecretString"]) == creds, got["SecretString"])
    check(got["VersionId"] == v1, got)
    check(got["VersionStages"] == ["AWSCURRENT"], got["VersionStages"])
    check(got["ARN"] == arn and got["Name"] == "app/db", got)
    check(hasattr(got["CreatedDate"], "year"), "CreatedDate is not parsed as a timestamp")
    by_arn = sm.get_secret_value(SecretId=arn)
    check(by_arn["SecretString"] == got["SecretString"], "read by ARN differs")

    # 3. Rotate: a new version becomes AWSCURRENT, the old one AWSPREVIOUS.
    creds2 = dict(creds, password="second-password")
    put = sm.put_secret_value(SecretId="app/db", SecretString=json.dumps(creds2))
    v2 = put["VersionId"]
    check(v2 != v1, "put_secret_value reused the version id")
    check(put["VersionStages"] == ["AWSCURRENT"], put)
    current = sm.get_secret_value(SecretId="app/db")
    check(json.loads(current["SecretString"])["password"] == "second-password", current)
    previous = sm.get_secret_value(SecretId="app/db", VersionStage="AWSPREVIOUS")
    check(previous["VersionId"] == v1, previous)
    check(json.loads(previous["SecretString"]) == creds, previous)

    # Idempotent retry with the same token and value: same version, no new one.
    token = "11111111-2222-3333-4444-555555555555"
    a = sm.put_secret_value(SecretId="app/db", SecretString=json.dumps(creds2),
                            ClientRequestToken=token)
    b = sm.put_secret_value(SecretId="app/db", SecretString=json.dumps(creds2),
                            ClientRequestToken=token)
    check(a["VersionId"] == token and b["VersionId"] == token, (a, b))
    code, _ = error_code(sm.put_secret_value, SecretId="app/db",
                         SecretString="different", ClientRequestToken=token)
    check(code == "ResourceExistsException", code)
    v3 = token

    # 4. Roll back: the new password broke the app, so AWSCURRENT goes back to v1.
    sm.update_secret_version_stage(SecretId="app/db", VersionStage="AWSCURRENT",
                                   MoveToVersionId=v1, RemoveFromVersionId=v3)
    rolled = sm.get_secret_value(SecretId="app/db")
    check(rolled["VersionId"] == v1, rolled)
    check(json.loads(rolled["SecretString"]) == creds, rolled)
    check(sm.get_secret_value(SecretId="app/db", VersionStage="AWSPREVIOUS")["VersionId"] == v3,
          "AWSPREVIOUS did not follow the rollback")
    versions = sm.list_secret_version_ids(SecretId="app/db", IncludeDeprecated=True)
    stages = {v["VersionId"]: sorted(v.get("VersionStages", [])) for v in versions["Versions"]}
    check(stages.get(v1) == ["AWSCURRENT"], stages)
    check(stages.get(v3) == ["AWSPREVIOUS"], stages)
    check(v2 in stages and stages[v2] == [], stages)
    # Moving a label off a version that does not hold it is refused.
    code, _ = error_code(sm.update_secret_version_stage, SecretId="app/db",
                         VersionStage="AWSCURRENT", MoveToVersionId=v2,
                         RemoveFromVersionId=v3)
    check(code == "InvalidParameterException", code)

    # 5. The inventory: more secrets, listed page by page.
    names = {"app/db"}
    for i in range(7):
        name = f"app/service-{i}"
        sm.create_secret(Name=name, SecretString=f"token-{i}",
                         Tags=[{"Key": "env", "Value": "test" if i % 2 else "prod"}])
        names.add(name)
    pages = 0
    listed = []
    paginator = sm.get_paginator("list_secrets")
    for page in paginator.paginate(PaginationConfig={"PageSize": 3}):
        pages += 1
        check(len(page["SecretList"]) <= 3, f"page of {len(page['SecretList'])}")
        listed.extend(s["Name"] for s in page["SecretList"])
    check(pages >= 3, f"{pages} pages for {len(listed)} secrets at page size 3")
    check(len(listed) == len(set(listed)), f"duplicates across pages: {listed}")
    check(names <= set(listed), f"missing from list_secrets: {names - set(listed)}")
    # Server-side filters: names under app/service-, tagged env=prod.
    filtered = []
    for page in paginator.paginate(Filters=[{"Key": "name", "Values": ["app/service-"]},
                                            {"Key": "tag-value", "Values": ["prod"]}],
                                   PaginationConfig={"PageSize": 2}):
        filtered.extend(s["Name"] for s in page["SecretList"])
    check(sorted(filtered) == [f"app/service-{i}" for i in (0, 2, 4, 6)], filtered)

    # 6. Describe: metadata only, with the version map and tags.
    d = sm.describe_secret(SecretId="app/db")
    check(d["ARN"] == arn and d["Name"] == "app/db", d)
    check(d["Description"] == "Application database credentials", d)
    check(d["VersionIdsToStages"][v1] == ["AWSCURRENT"], d["VersionIdsToStages"])
    check(d["VersionIdsToStages"][v3] == ["AWSPREVIOUS"], d["VersionIdsToStages"])
    check({t["Key"]: t["Value"] for t in d["Tags"]} == {"env": "test", "team": "payments"},
          d["Tags"])
    check("SecretString" not in d, "describe_secret returned the value")

    # 7. Tags: add an owner, drop the team.
    sm.tag_resource(SecretId="app/db", Tags=[{"Key": "owner", "Value": "alice"},
                                             {"Key": "env", "Value": "staging"}])
    sm.untag_resource(SecretId="app/db", TagKeys=["team"])
    tags = {t["Key"]: t["Value"] for t in sm.describe_secret(SecretId="app/db")["Tags"]}
    check(tags == {"env": "staging", "owner": "alice"}, tags)

    # 8. Delete with a recovery window, find it unreadable, restore it.
    deleted = sm.delete_secret(SecretId="app/service-6", RecoveryWindowInDays=7)
    check(deleted["Name"] == "app/service-6" and hasattr(deleted["DeletionDate"], "year"), deleted)
    code, e = error_code(sm.get_secret_value, SecretId="app/service-6")
    check(code == "InvalidRequestException", code)
    check("marked for deletion" in e.response["Error"]["Message"], e.response["Error"])
    check("DeletedDate" in sm.describe_secret(SecretId="app/service-6"), "no DeletedDate")
    live = [s["Name"] for p in paginator.paginate() for s in p["SecretList"]]
    check("app/service-6" not in live, "a secret scheduled for deletion is still listed")
    code, _ = error_code(sm.delete_secret, SecretId="app/service-5", RecoveryWindowInDays=3)
    check(code == "InvalidParameterException", f"3-day window: {code}")
    restored = sm.restore_secret(SecretId="app/service-6")
    check(restored["Name"] == "app/service-6", restored)
    check(sm.get_secret_value(SecretId="app/service-6")["SecretString"] == "token-6",
          "restored value differs")
    check("DeletedDate" not in sm.describe_secret(SecretId="app/service-6"), "still deleted")

    # 9. Errors the application handles by their codes.
    code, e = error_code(sm.get_secret_value, SecretId="app/does-not-exist")
    check(code == "ResourceNotFoundException", code)
    check(e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, e.response)
    code, _ = error_code(sm.get_secret_value, SecretId="other/locked")
    check(code == "AccessDeniedException", f"other/locked: {code}")
    code, _ = error_code(sm.get_secret_value, SecretId="app/db", VersionStage="NO-SUCH-STAGE")
    check(code == "ResourceNotFoundException", code)
    code, _ = error_code(sm.create_secret, Name="app/too-big", SecretString="x" * 70000)
    check(code in ("InvalidParameterException", "ValidationException"), f"oversize: {code}")

    # A random password, as an admin script would make for a new database user.
    pw = sm.get_random_password(PasswordLength=32, ExcludePunctuation=True)["RandomPassword"]
    check(len(pw) == 32 and pw.isalnum(), pw)

    # Wrong credentials are refused with the code the SDK knows.
    bad = boto3.client("secretsmanager", endpoint_url=endpoint, region_name=REGION,
                       aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
                       aws_secret_access_key="x" * 40,
                       config=Config(retries={"max_attempts": 1}))
    code, _ = error_code(bad.get_secret_value, SecretId="app/db")
    check(code == "UnrecognizedClientException" or code == "InvalidSignatureException",
          f"bad secret key: {code}")

    print(json.dumps({"Arn": arn, "CurrentVersionId": v1, "Listed": len(listed)}))
    print("boto3 OK")


if __name__ == "__main__":
    try:
        main()
    except (AssertionError, ClientError) as e:
        print(f"boto3 script failed: {type(e).__name__}: {e}", file=sys.stderr)
        raise
