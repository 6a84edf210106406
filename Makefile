# The two commands: `make run` runs the flagship sample, `make test` the whole suite.
# Both install what they need first. `make run` needs nothing but Node 20; what `make test`
# needs besides (Java 17 and Maven for the Kafka broker, Redis or not) is in README.md.

NODE_MODULES_STAMP := node_modules/.package-lock.json
MOCHA := node_modules/.bin/mocha
TSC := node_modules/.bin/tsc
ESBUILD := node_modules/.bin/esbuild

.PHONY: run run-kafka test build docs pack bench bench-beside bench-nexmark bench-flink bench-kafka-streams bench-exchange bench-instances bench-latency typecheck clean kafka-start kafka-stop

$(NODE_MODULES_STAMP): package.json package-lock.json
	SLUICE_SKIP_PREPARE=1 npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The SQL parser's grammar (dt-sql-parser, ES modules Node cannot load) is bundled into one
# CommonJS file that src/sql/grammar/flinkSqlGrammar.ts requires.
build: $(NODE_MODULES_STAMP)
	@rm -rf build
	$(TSC) -p tsconfig.json
	$(ESBUILD) src/sql/grammar/flinkSqlBundle.mjs --bundle --minify --keep-names --platform=node --format=cjs --target=node20 --log-level=warning --outfile=build/vendor/flinkSql.cjs
	$(ESBUILD) src/web/dashboard/app.mjs --bundle --minify --platform=browser --format=iife --target=es2020 --log-level=warning --outfile=build/web/dashboard.js

typecheck: build

# The API reference (TypeDoc, typedoc.json) in build/docs/api; fails on any warning, an
# undocumented export among them.
docs: $(NODE_MODULES_STAMP)
	node_modules/.bin/typedoc

# The package as npm would publish it, in build/package/ (samples/app installs it from there).
pack: build
	@rm -rf build/package && mkdir -p build/package
	npm pack --ignore-scripts --pack-destination build/package --loglevel=error
	mv build/package/sluice-*.tgz build/package/sluice.tgz

run: build
	node build/samples/pageviews/main.js

# The article's job on Kafka, DataStream and SQL, checked (samples/kafka-windows): starts the
# project's broker when none runs, and then stops it.
run-kafka: build
	samples/kafka-windows/run.sh

# The layers of src/ first (.dependency-cruiser.cjs: no folder imports a folder above it, so no
# cycle between folders), then the specs.
test: build
	node_modules/.bin/depcruise src --config .dependency-cruiser.cjs --output-type err
	node specs/support/runSuite.js

bench: build
	node build/samples/bench/main.js
	node build/samples/nexmark/bench.js
	node build/samples/bench-exchange/main.js
	node build/samples/bench-instances/main.js
	node build/samples/latency/main.js

# Every row of `make bench` on another build (BEFORE_BUILD=<its build/ directory>, e.g. of an older
# commit) and on this one, alternated round by round (samples/bench-beside): before, after and
# after ÷ before per row, outputs compared. BESIDE_ROUNDS rounds (default 3); ROWS chooses rows
# or their prefixes (`make bench-beside ROWS="bench/keyed nexmark/q5"`; default all).
bench-beside: build
	node build/samples/bench-beside/main.js $(ROWS)

bench-nexmark: build
	node build/samples/nexmark/bench.js

# Sluice beside Apache Flink's twins of the same jobs on a local MiniCluster (samples/flink-twins):
# needs Java 17 and Maven, which fetches Flink once into .cache/flink. Not part of `make test`.
bench-flink: build
	samples/flink-twins/build.sh
	node build/samples/flink-twins/main.js
	node build/samples/flink-twins/latency.js
	node build/samples/flink-twins/stateBytes.js
	node build/samples/flink-twins/nexmark.js

# Sluice beside Apache Kafka Streams on the project's broker (samples/kafka-streams-twin): needs
# Java 17, Maven (fetches Kafka Streams once into .cache/kafka-streams) and a running broker
# (`make kafka-start`); without one it says so. Not part of `make test`.
bench-kafka-streams: build
	samples/kafka-streams-twin/build.sh
	node build/samples/kafka-streams-twin/main.js

bench-exchange: build
	node build/samples/bench-exchange/main.js

# One job as a plain process and as 1, 2, 3 instances (samples/bench-instances): events per
# CPU-second of the whole group (instances, broker, a redis-server of its own). Needs a running
# broker (`make kafka-start`) and redis-server on PATH; without a broker it says so.
bench-instances: build
	node build/samples/bench-instances/main.js

# End-to-end latency at a fixed input rate, with and without exactly-once checkpoints (samples/latency).
bench-latency: build
	node build/samples/latency/main.js

clean:
	rm -rf build

kafka-start:
	specs/services/kafka.sh start

kafka-stop:
	specs/services/kafka.sh stop
