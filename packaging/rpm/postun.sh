#!/bin/sh
# %postun of ring: after an upgrade, restart a running service on the new
# binary. An erase keeps /etc/ringd's edited files (.rpmsave), the history
# in /var/lib/ringd and the user.
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
    if [ "$1" -ge 1 ]; then
        systemctl try-restart ringd.service >/dev/null 2>&1 || :
    fi
fi
exit 0
