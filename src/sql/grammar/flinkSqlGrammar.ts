/**
 * The FlinkSQL grammar of dt-sql-parser (generated ANTLR lexer, parser and parse-tree
 * contexts) with the antlr4ng runtime, loaded once on first use from the CommonJS bundle that
 * `make build` writes to build/vendor/flinkSql.cjs (entry: flinkSqlBundle.mjs). Types come from
 * the packages themselves; only the bundle is loaded at run time, because dt-sql-parser 4.5.1
 * ships ES modules with directory imports that Node 20 refuses (ERR_UNSUPPORTED_DIR_IMPORT).
 */
import * as fs from 'fs';
import * as path from 'path';
import type * as Antlr from 'antlr4ng';
import type * as FlinkSqlParserModule from 'dt-sql-parser/dist/lib/flink/FlinkSqlParser';
import type { FlinkSqlLexer } from 'dt-sql-parser/dist/lib/flink/FlinkSqlLexer';

export type FlinkGrammar = typeof FlinkSqlParserModule & {
  readonly FlinkSqlLexer: typeof FlinkSqlLexer;
} & Pick<typeof Antlr, 'BaseErrorListener' | 'CharStreams' | 'CommonToken' | 'CommonTokenFactory' | 'CommonTokenStream' | 'FailedPredicateException' | 'InputMismatchException' | 'NoViableAltException' | 'ParserRuleContext' | 'PredictionMode' | 'TerminalNode' | 'Token'>;

/** build/src/sql/grammar → build/vendor */
const BUNDLE = path.resolve(__dirname, '..', '..', '..', 'vendor', 'flinkSql.cjs');

let grammar: FlinkGrammar | undefined;

/**
 * The grammar, loaded on the first SQL statement rather than at import: a program that uses
 * no SQL does not pay for it (loading takes ~70 ms, the first parse ~175 ms more while ANTLR
 * fills its prediction caches; later parses take well under a millisecond).
 */
export function flinkGrammar(): FlinkGrammar {
  if (grammar === undefined) {
    if (!fs.existsSync(BUNDLE)) throw new Error(`the FlinkSQL grammar bundle is missing (${BUNDLE}): build with \`make build\`, which bundles dt-sql-parser with esbuild`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    grammar = require(BUNDLE) as FlinkGrammar;
  }
  return grammar;
}
