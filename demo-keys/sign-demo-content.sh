#!/usr/bin/env bash
# Signs every post under content/ with the DEMO keys in this folder, as the demo roster's
# handler, section head, supervising leader and (for major posts) principal leader.
# Demo signatures only: `portal verify --production` refuses them.
set -euo pipefail
cd "$(dirname "$0")/.."
at="${DEMO_SIGNED_AT:-2026-12-04T09:00:00+08:00}"
keys=demo-keys

sign() {  # sign ROLE PERSON PATH...
  local role=$1 person=$2
  shift 2
  [ $# -gt 0 ] || return 0
  portal -q sign --role "$role" --key "$keys/$person" --at "$at" "$@" >/dev/null
}

# The bureau's notice and its attachments: office (major / important).
mapfile -t office < <(ls content/notices/*.md content/rules/*.md)
sign handler chen-jing "${office[@]}"
sign section_head sun-li "${office[@]}"
sign supervising_leader wu-min "${office[@]}"
sign principal_leader zhou-jianguo content/notices/*.md

# Imported laws and regulations: policy and regulations department (general).
mapfile -t laws < <(find content -mindepth 2 -name '*.md' \
  ! -path 'content/notices/*' ! -path 'content/rules/*' | sort)
sign handler lin-xiao "${laws[@]}"
sign section_head qian-feng "${laws[@]}"
sign supervising_leader wu-min "${laws[@]}"
portal verify
