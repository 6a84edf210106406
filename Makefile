# The two commands: `make run` runs the flagship sample, `make test` the whole suite.
# Both install what they need first; nothing else must be on the machine but Node 20.

NODE_MODULES_STAMP := node_modules/.package-lock.json
MOCHA := node_modules/.bin/mocha
TSC := node_modules/.bin/tsc
ESBUILD := node_modules/.bin/esbuild

.PHONY: run run-kafka test build bench bench-nexmark typecheck clean kafka-start kafka-stop

$(NODE_MODULES_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The SQL parser's grammar (dt-sql-parser, ES modules Node cannot load) is bundled into one
# CommonJS file that src/sql/grammar/flinkSqlGrammar.ts requires.
build: $(NODE_MODULES_STAMP)
	@rm -rf build
	$(TSC) -p tsconfig.json
	$(ESBUILD) src/sql/grammar/flinkSqlBundle.mjs --bundle --minify --keep-names --platform=node --format=cjs --target=node20 --log-level=warning --outfile=build/vendor/flinkSql.cjs
	$(ESBUILD) src/web/dashboard/app.mjs --bundle --minify --platform=browser --format=iife --target=es2020 --log-level=warning --outfile=build/web/dashboard.js

typecheck: build

run: build
	node build/samples/pageviews/main.js

# The article's job on Kafka, DataStream and SQL, checked (samples/kafka-windows): starts the
# project's broker when none runs, and then stops it.
run-kafka: build
	samples/kafka-windows/run.sh

test: build
	node specs/support/runSuite.js

bench: build
	node build/samples/bench/main.js
	node build/samples/nexmark/bench.js

bench-nexmark: build
	node build/samples/nexmark/bench.js

clean:
	rm -rf build

kafka-start:
	specs/services/kafka.sh start

kafka-stop:
	specs/services/kafka.sh stop
