@echo off
rem Runs the Freelane proxy in this console window; close it or press Ctrl+C to stop.
title Freelane proxy
"%~dp0freelane.exe" serve
if errorlevel 1 pause
