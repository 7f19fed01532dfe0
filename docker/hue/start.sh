#!/usr/bin/env bash
# Fill docker/hue/hue.ini's ${NAME} placeholders from the environment (the per-user ${USER} and
# ${PASSWORD} of the MariaDB interpreter stay for HUE to ask), then start HUE as the image does.
set -euo pipefail
python3 - /etc/hue/hue.ini.template /usr/share/hue/desktop/conf/z-hue.ini <<'PY'
import os, re, sys
text = open(sys.argv[1]).read()
def fill(match):
    name = match.group(1)
    return match.group(0) if name in ("USER", "PASSWORD") else os.environ[name]
with open(sys.argv[2], "w") as out:
    os.chmod(sys.argv[2], 0o600)
    out.write(re.sub(r"\$\{([A-Z_]+)\}", fill, text))
PY
exec /usr/share/hue/startup.sh
