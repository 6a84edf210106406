/**
 * The FlinkSQL grammar of dt-sql-parser (generated ANTLR lexer, parser and parse-tree
 * contexts) with the antlr4ng runtime, loaded once on first use from the CommonJS bundle that
 * `make build` writes to build/vendor/flinkSql.cjs (entry: flinkSqlBundle.mjs). Types come from
 * the packages themselves; only the bundle is loaded at run time, because dt-sql-parser 4.5.1
 * ships ES modules with directory imports that Node 20 refuses (ERR_UNSUPPORTED_DIR_IMPORT).
 * The bundle ships in the package (build/vendor), so dt-sql-parser and antlr4ng are only
 * build-time dependencies.
 */
import * as fs from 'fs';
import * as path from 'path';
import type * as Antlr from 'antlr4ng';
import type * as FlinkSqlParserModule from 'dt-sql-parser/dist/lib/flink/FlinkSqlParser';
import type { FlinkSqlLexer } from 'dt-sql-parser/dist/lib/flink/FlinkSqlLexer';

export type FlinkGrammar = typeof FlinkSqlParserModule & {
  readonly FlinkSqlLexer: typeof FlinkSqlLexer;
} & Pick<typeof Antlr, 'BaseErrorListener' | 'CharStreams' | 'CommonToken' | 'CommonTokenFactory' | 'CommonTokenStream' | 'FailedPredicateException' | 'InputMismatchException' | 'NoViableAltException' | 'ParserRuleContext' | 'PredictionMode' | 'TerminalNode' | 'Token'>;

/**
 * Where the bundle is, seen from this module: compiled (build/src/sql/grammar, in the repository
 * or in an installed package: build/vendor) or run from its source by tsx (src/sql/grammar:
 * the repository's build/vendor, after `make build`).
 */
const BUNDLE_PLACES = [path.resolve(__dirname, '..', '..', '..', 'vendor', 'flinkSql.cjs'), path.resolve(__dirname, '..', '..', '..', 'build', 'vendor', 'flinkSql.cjs')];

let grammar: FlinkGrammar | undefined;

/**
 * The grammar, loaded on the first SQL statement rather than at import: a program that uses
 * no SQL does not pay for it (loading takes ~70 ms, the first parse ~175 ms more while ANTLR
 * fills its prediction caches; later parses take well under a millisecond).
 */
export function flinkGrammar(): FlinkGrammar {
  if (grammar === undefined) {
    const bundle = BUNDLE_PLACES.find((place) => fs.existsSync(place));
    if (bundle === undefined) throw new Error(`the FlinkSQL grammar bundle is missing (looked for ${BUNDLE_PLACES.join(' and ')}): build with \`make build\`, which bundles dt-sql-parser with esbuild`);
    grammar = require(bundle) as FlinkGrammar;
  }
  return grammar;
}
