#!/bin/sh
# %post of ring: the state directory; on a first install the service is
# enabled or not as the system's presets say (systemctl preset).
install -d -m 0700 /var/lib/ringd
if [ "$(stat -c %U /var/lib/ringd)" != ringd ]; then
    chown -R ringd:ringd /var/lib/ringd
fi
install -d -o ringd -g ringd -m 0750 /var/log/ringd
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
    if [ "$1" -eq 1 ]; then
        systemctl preset ringd.service >/dev/null 2>&1 || :
    fi
fi
exit 0
