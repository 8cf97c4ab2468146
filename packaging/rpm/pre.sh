#!/bin/sh
# %pre of ring: the system user and group ringd (kept on erase, as RPM
# packages do).
getent group ringd >/dev/null || groupadd --system ringd
getent passwd ringd >/dev/null || useradd --system --gid ringd --home-dir /var/lib/ringd \
    --no-create-home --shell /sbin/nologin --comment 'ring chat node' ringd
exit 0
