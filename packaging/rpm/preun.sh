#!/bin/sh
# %preun of ring: on an erase (not an upgrade), stop and disable.
if [ "$1" -eq 0 ] && [ -d /run/systemd/system ]; then
    systemctl --no-reload disable --now ringd.service >/dev/null 2>&1 || :
fi
exit 0
