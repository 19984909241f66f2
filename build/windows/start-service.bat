@echo off
rem Starts Freelane as a background service (no window); stop it with stop-service.bat.
"%~dp0freelane.exe" start
pause
