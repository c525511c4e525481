"""Signs ONE GetSecretValue request with botocore's SigV4Auth, checks it once, and writes a
wrk Lua script that replays it unchanged (same headers, same body) for the whole run.

Usage: sign_request.py ENDPOINT ACCESS_KEY_ID SECRET_ACCESS_KEY REGION SECRET_ID OUT.lua [--refused]

With --refused the request is meant to fail authentication (a flood of bad signatures,
tests/bench/flood.sh): the check expects an error answer instead of the value.

ENDPOINT must be http://127.0.0.1:PORT (the benchmark only ever talks to loopback). The
signature stays valid for the server's clock-skew window (minutes), far longer than a run.
"""

import json
import sys
import urllib.error
import urllib.parse
import urllib.request

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def lua_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main():
    endpoint, key_id, secret, region, secret_id, out = sys.argv[1:7]
    refused = sys.argv[7:] == ["--refused"]
    url = urllib.parse.urlsplit(endpoint)
    if url.scheme != "http" or url.hostname != "127.0.0.1":
        sys.exit(f"refusing to sign for {endpoint}: the benchmark targets 127.0.0.1 only")
    body = json.dumps({"SecretId": secret_id})
    request = AWSRequest(
        method="POST",
        url=endpoint.rstrip("/") + "/",
        data=body,
        headers={
            "Host": url.netloc,
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "secretsmanager.GetSecretValue",
        },
    )
    SigV4Auth(Credentials(key_id, secret), "secretsmanager", region).add_auth(request)
    headers = {k: request.headers[k] for k in
               ("Authorization", "X-Amz-Date", "X-Amz-Target", "Content-Type", "Host")}

    # Check the exact request once before replaying it: it must answer 200 with the value.
    check = urllib.request.Request(endpoint.rstrip("/") + "/", data=body.encode(),
                                   headers=headers, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    if refused:
        try:
            opener.open(check, timeout=10)
            sys.exit("the request meant to fail authentication was answered")
        except urllib.error.HTTPError as e:
            if e.code != 400:
                sys.exit(f"the bad request got HTTP {e.code}, not 400")
        write_lua(out, body, headers)
        return
    with opener.open(check, timeout=10) as resp:
        answer = json.loads(resp.read())
        if resp.status != 200 or "SecretString" not in answer:
            sys.exit(f"the signed request was not answered with the secret: {resp.status} {answer}")
    write_lua(out, body, headers)


def write_lua(out, body, headers):
    with open(out, "w") as f:
        f.write("-- One signed GetSecretValue request, replayed as is (made by sign_request.py).\n")
        f.write('wrk.method = "POST"\n')
        f.write(f"wrk.body = {lua_string(body)}\n")
        for k, v in headers.items():
            f.write(f"wrk.headers[{lua_string(k)}] = {lua_string(v)}\n")


if __name__ == "__main__":
    main()
