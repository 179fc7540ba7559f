# SobolevRL — build, test, demo and benchmarks. Needs only the .NET SDK (restore, TorchSharp's native fix and the
# build happen inside `dotnet build`). `./sobolevrl ARGS` runs the CLI after `make setup`.
DOTNET ?= dotnet
CLI_BIN := src/SobolevRL.Cli/bin/Release/net10.0/linux-x64/SobolevRL.Cli
SOURCES := $(shell find src envs -name '*.cs' -o -name '*.csproj' -o -name '*.proto' -o -name '*.targets' 2>/dev/null) Directory.Build.props Directory.Packages.props Directory.Build.targets

.PHONY: setup test test-fast demo bench clean ale format

setup: sobolevrl

sobolevrl: $(SOURCES)
	$(DOTNET) build SobolevRL.sln -c Release
	printf '#!/usr/bin/env bash\n# Launcher of the Release build (made by make setup; git-ignored).\nexec "$$(dirname "$$(readlink -f "$$0")")/%s" "$$@"\n' "$(CLI_BIN)" > sobolevrl
	chmod +x sobolevrl

test:
	$(DOTNET) test SobolevRL.sln -c Release

# Day-to-day subset: leaves out the test classes marked [Trait("speed", "slow")] (CLI processes, training runs, sweeps).
test-fast:
	$(DOTNET) test SobolevRL.sln -c Release --filter "speed!=slow"

demo: setup
	./sobolevrl demo

# Benchmarks print tables (add --json for scripts); `bench label` and `bench train` run the repository's PyTorch
# reference (tests/benchmarks/peer/torch_reference.py) beside ours when
# Debian's python3-torch is installed.
bench: setup
	./sobolevrl env bench --env MinAtar/Breakout-v1 --steps 5000000
	./sobolevrl env bench --env MinAtar/Breakout-v1 --steps 20000000 --envs 256 --threads 1
	./sobolevrl env bench --env MinAtar/Breakout-v1 --steps 20000000 --envs 256 --threads 2
	./sobolevrl bench label --workload minatar
	./sobolevrl bench label --workload nature
	./sobolevrl bench train --workload minatar --autograd
	./sobolevrl bench train --workload nature --autograd

format:
	$(DOTNET) format SobolevRL.sln

# Builds our C shim over an ALE you installed (ALE itself is not part of this project):
#   make ale ALE_DIR=/path/to/ale/install   then   export SOBOLEVRL_ALE_LIB=$(PWD)/artifacts/ale-shim/libsobolevrl_ale.so
ale:
	@test -n "$(ALE_DIR)" || { echo "usage: make ale ALE_DIR=<prefix of an installed ALE (contains lib/cmake/ale)>"; exit 2; }
	bash envs/SobolevRL.Envs/Ale/native/build.sh "$(ALE_DIR)" artifacts/ale-shim

clean:
	$(DOTNET) clean SobolevRL.sln -c Release >/dev/null
	rm -rf sobolevrl */*/bin */*/obj
