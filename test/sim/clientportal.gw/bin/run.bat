@REM The project's fake Client Portal Gateway (test/sim/README.md). Like the real run.bat it ignores
@REM the file name and always loads conf.yaml from the given folder.
@echo off

set config_file=%1
if "%config_file%"=="" (
    echo usage: %0 [config_file]
    exit /b 1
)
set config_path=%~dp1
set RUNTIME_PATH=%config_path%;dist\ibgroup.web.core.iblink.router.clientportal.gw.jar;build\lib\runtime\*

echo running
echo  runtime path : %RUNTIME_PATH%
echo  config file  : %config_file%

where java >nul 2>nul || (
    echo 'java' is not recognized as an internal or external command,
    exit /b 9009
)
node build\lib\runtime\gateway.mjs -server -cp "%RUNTIME_PATH%" ibgroup.web.core.clientportal.gw.GatewayStart --conf ../root/conf.yaml
