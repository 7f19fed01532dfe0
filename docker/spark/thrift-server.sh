#!/usr/bin/env bash
# The Spark Thrift server in compose, as natively (src/datalake/platform/services.py): password-file
# authentication for THRIFT_USER (the users file written here from .env), no SQL on raw files.
set -euo pipefail
users=/opt/datalake/var/thrift-users
python - "$users" <<'PY'
import os, sys
from pathlib import Path
from datalake.platform.credentials import set_user
set_user(Path(sys.argv[1]), os.environ.get("THRIFT_USER", "lake"), os.environ["THRIFT_PASSWORD"], owner="spark")
PY
export SPARK_NO_DAEMONIZE=1
exec /opt/spark/sbin/start-thriftserver.sh \
  --master spark://spark-master:7077 \
  --conf spark.sql.runSQLOnFiles=false \
  --conf spark.cores.max=1 \
  --hiveconf hive.server2.thrift.port=10000 \
  --hiveconf hive.server2.thrift.bind.host=0.0.0.0 \
  --hiveconf hive.server2.authentication=CUSTOM \
  --hiveconf hive.server2.custom.authentication.class=io.datalake.thrift.PasswordFileAuthenticator \
  --hiveconf "datalake.thrift.users.file=$users" \
  --hiveconf hive.server2.enable.doAs=false
