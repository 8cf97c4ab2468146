#!/bin/sh
# %postun of ring: systemd forgets the removed unit. An erase keeps
# /etc/ringd's edited files (.rpmsave), the history in /var/lib/ringd and
# the user; an upgrade's restart is %post's.
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
fi
exit 0
