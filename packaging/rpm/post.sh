#!/bin/sh
# %post of ring: the state directory; on a first install the service is
# enabled or not as the system's presets say (systemctl preset); on an
# upgrade a running service is restarted on the new binary (here, not in
# %postun, so that an upgrade from a package without %postun restarts too).
install -d -m 0700 /var/lib/ringd
if [ "$(stat -c %U /var/lib/ringd)" != ringd ]; then
    chown -R ringd:ringd /var/lib/ringd
fi
install -d -o ringd -g ringd -m 0750 /var/log/ringd
if [ -f /etc/ringd/secret ] && [ "$(stat -c %G /etc/ringd/secret)" = root ]; then
    chgrp ringd /etc/ringd/secret
    chmod 0640 /etc/ringd/secret
fi
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
    if [ "$1" -eq 1 ]; then
        systemctl preset ringd.service >/dev/null 2>&1 || :
    else
        systemctl try-restart ringd.service >/dev/null 2>&1 || :
    fi
fi
exit 0
