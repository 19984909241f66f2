@echo off
rem Shows whether the Freelane background service runs, its address and today's calls.
"%~dp0freelane.exe" status
pause
