#!/bin/bash

# The project's fake Client Portal Gateway (test/sim/README.md). Same arguments, output and process
# tree as the real run.sh: the "java" it starts as a child (no exec) is the simulator, run by node.

if [ -z "$1" ]; then
        echo "usage: $0 [config_file]"
        exit 1
fi

config_file=$1

config_path=$(dirname $config_file)

RUNTIME_PATH="$config_path:dist/ibgroup.web.core.iblink.router.clientportal.gw.jar:build/lib/runtime/*"

echo "running  "
echo " runtime path : $RUNTIME_PATH"
echo " config file  : $config_file"

# Like the real script, java must be on PATH (else bash's "java: command not found", exit 127).
command -v java >/dev/null 2>&1 || { java; exit; }

# The class path is relative: from any other folder the main class is not found.
if [ ! -f dist/ibgroup.web.core.iblink.router.clientportal.gw.jar ] || [ ! -f build/lib/runtime/gateway.mjs ]; then
        echo "Error: Could not find or load main class ibgroup.web.core.clientportal.gw.GatewayStart" >&2
        echo "Caused by: java.lang.ClassNotFoundException: ibgroup.web.core.clientportal.gw.GatewayStart" >&2
        exit 1
fi

node build/lib/runtime/gateway.mjs -server -Dvertx.disableDnsResolver=true -Djava.net.preferIPv4Stack=true -cp "$RUNTIME_PATH" ibgroup.web.core.clientportal.gw.GatewayStart --conf ../$config_file
