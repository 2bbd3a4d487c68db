#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Write one hook patch in the format checkpatch and GNU patch both take.
# Run in a directory with a/ (pristine files from build/pristine-*) and
# b/ (the same files, edited):
#   mkpatch.sh OUT.patch "SUBJECT" "BODY" path/in/tree...
# Blank context lines are written empty: checkpatch misreads " " ones.
out=$1; subj=$2; body=$3; shift 3
{
echo "From: KVM PTW team <kvm-ptw@localhost>"
echo "Subject: [PATCH] $subj"
echo
echo "$body" | fold -s -w 72 | sed 's/ *$//'
echo
echo "Signed-off-by: KVM PTW team <kvm-ptw@localhost>"
echo "---"
for f in "$@"; do
  git diff --no-index "a/$f" "b/$f" | sed "s|a/a/|a/|g;s|b/b/|b/|g;s/^ $//"
done
} > "$out"
