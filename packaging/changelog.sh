#!/bin/sh
# changelog.sh VERSION: the package's changelog in Debian's format, one
# entry for VERSION listing the last commits (the history is git's).
set -eu
version=$1
echo "ring ($version) unstable; urgency=medium"
echo
log=$(git log -15 --format='  * %s' 2>/dev/null) || log="  * Built outside a git checkout."
printf '%s\n' "$log" | cut -c1-78
echo
date=$(git log -1 --format=%cD 2>/dev/null || date -R)
echo " -- ring developers <ring@ringchat.invalid>  $date"
