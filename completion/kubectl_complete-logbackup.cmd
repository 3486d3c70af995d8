@echo off
rem kubectl (1.26 and later) completes "kubectl logbackup ..." by running this,
rem found on PATH, with the words typed after "logbackup"; it hands them to
rem the plugin's own completion. Shipped in the Windows release archive.
kubectl-logbackup.exe __complete %*
