@echo off
rem Stops the Freelane background service started by start-service.bat.
"%~dp0freelane.exe" stop
pause
