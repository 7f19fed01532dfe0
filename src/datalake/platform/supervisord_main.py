"""supervisord, with one fix to its poll loop; `lake up` starts it as `python -m` this module.

supervisor 4.3.0's PollPoller keeps an fd registered for reading until poll reports it invalid
(POLLNVAL). When a program restarts within one loop iteration, its new pipes can take the numbers
of the old ones: a stale "readable" registration then sits on what is now a child's stdin, the
write end of a pipe. A child that closes its stdin leaves that end with no reader, poll reports
POLLERR on it at once, forever, and the poller (which only looks at POLLIN, POLLPRI, POLLHUP and
POLLNVAL) never drops it: supervisord spins, burning a core (seen: 40-75 % CPU on a 2-core
machine after a platform restart). An fd that answers POLLERR and nothing readable is dropped
here like an invalid one; a dispatcher that still wants it registers it again on the next loop.
"""

from __future__ import annotations

import select
from typing import Any

from supervisor import poller, supervisord

_ignore_invalid = poller.PollPoller._ignore_invalid


def _ignore_errored(self: Any, fd: int, eventmask: int) -> bool:
    if eventmask & select.POLLERR and not eventmask & (select.POLLIN | select.POLLPRI):
        self._poller.unregister(fd)
        self.readables.discard(fd)
        self.writables.discard(fd)
        return True
    return _ignore_invalid(self, fd, eventmask)


poller.PollPoller._ignore_invalid = _ignore_errored

if __name__ == "__main__":
    supervisord.main()
