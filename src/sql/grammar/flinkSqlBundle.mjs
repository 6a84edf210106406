// Entry of the FlinkSQL grammar bundle (build/vendor/flinkSql.cjs, made by `make build`).
// dt-sql-parser 4.5.1 ships ES modules with directory imports that plain Node 20 cannot load,
// so esbuild bundles the generated lexer, parser and parse-tree contexts with the antlr4ng
// runtime into one CommonJS file; src/sql/grammar/flinkSqlGrammar.ts requires it.
export { FlinkSqlLexer } from 'dt-sql-parser/dist/lib/flink/FlinkSqlLexer.js';
export * from 'dt-sql-parser/dist/lib/flink/FlinkSqlParser.js';
export { BaseErrorListener, CharStreams, CommonToken, CommonTokenFactory, CommonTokenStream, FailedPredicateException, InputMismatchException, NoViableAltException, ParserRuleContext, PredictionMode, TerminalNode, Token } from 'antlr4ng';
