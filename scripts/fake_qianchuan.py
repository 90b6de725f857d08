"""Run the fake Qianchuan Open API on 127.0.0.1, to try the whole flow without an account.

    .venv/bin/python scripts/fake_qianchuan.py [--port 8765] [--accounts 3] [--plans 200]
        [--latency 0.05] [--qps 10] [--fault-rate 0.1] [--seed 7]

It prints the environment to export in another shell; then

    spendopt connect qianchuan     # open the printed URL (curl -i it), paste the Location URL
    spendopt pull                  # plans and 30 days of reports into the store

Stop it with Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.qianchuan.fake.server import FakeServer
from connectors.qianchuan.fake.world import FakeSettings
from connectors.qianchuan.tokens import new_key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--accounts", type=int, default=3)
    parser.add_argument("--plans", type=int, default=200, help="standard plans per account")
    parser.add_argument("--uni-plans", type=int, default=4, help="全域推广 plans per account")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every answer")
    parser.add_argument("--qps", type=float, default=None, help="answer 40100 above this rate")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of calls failing retriably")
    parser.add_argument("--token-ttl", type=float, default=86_399, help="access-token lifetime (s)")
    args = parser.parse_args()
    fake = FakeSettings(
        seed=args.seed,
        accounts=args.accounts,
        plans_per_account=args.plans,
        uni_plans_per_account=args.uni_plans,
        latency_s=args.latency,
        qps_limit=args.qps,
        fault_rate=args.fault_rate,
        access_ttl_s=args.token_ttl,
    )
    server = FakeServer(fake, port=args.port)
    print(f"fake Qianchuan on {server.base_url} (today {server.world.today}, {len(server.world.plans)} plans)")
    print("export in the shell you run spendopt from:\n")
    print(f"  export SPENDOPT_QIANCHUAN__BASE_URL={server.base_url}")
    print(f"  export SPENDOPT_QIANCHUAN__AUTH_URL={server.auth_url}")
    print(f"  export SPENDOPT_QIANCHUAN__REDIRECT_URI=http://127.0.0.1:{server.port}/callback")
    print(f"  export SPENDOPT_QIANCHUAN_APP_ID={fake.app_id}")
    print(f"  export SPENDOPT_QIANCHUAN_APP_SECRET={fake.app_secret}   # the fake app's secret, not a real one")
    print(f"  export SPENDOPT_SECRET_KEY={new_key()}   # encrypts the token file; keep it")
    print("  export XDG_DATA_HOME=$(mktemp -d)   # keep the trial away from your real store\n")
    print("Open the URL `spendopt connect qianchuan` prints (e.g. `curl -si URL | grep -i location`)")
    print("and paste the Location it redirects to. Ctrl-C to stop.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
