/**
 * Streaming SQL, `import { … } from 'sluice/sql'`: the table environment, tables, changelogs,
 * user-defined functions and table connectors (docs/sql.md). The FlinkSQL grammar is loaded by
 * the first statement parsed, not by this import.
 *
 * @packageDocumentation
 * @module sluice/sql
 */
export { TableEnvironment, TableEnvironmentOptions } from './sql/TableEnvironment';
export { TableResult } from './sql/TableResult';
export { TableConfig } from './sql/TableConfig';
export { StatementSet } from './sql/StatementSet';
export { Table } from './sql/Table';
export { Change, ChangelogRow, RowKind } from './sql/Change';
export { SqlValidationError, SqlProblem, describeSqlProblem } from './sql/SqlProblem';
export { ScalarFunction, SqlAggregateFunction, UserDefinedFunction } from './sql/UserDefinedFunction';
export { SqlType, Field, Row } from './sql/types';
export { SqlDeadLetter, sqlDeadLetters } from './sql/lineFormats';
export { ConnectorOptions, CustomTableConnector, TableConnectorContext, TableConnectorFactory } from './sql/TableConnectorFactory';
export { Expression, $, lit, call, and, or, ifThenElse, Operand } from './sql/Expression';
export { Tumble, Slide, Session, GroupWindow } from './sql/GroupWindow';
export { GroupedTable, GroupWindowedTable, WindowGroupedTable, OverWindowedTable } from './sql/GroupedTable';
export { Over, OverBound, OverWindowDefinition, UNBOUNDED_RANGE, UNBOUNDED_ROW, rowInterval } from './sql/OverWindow';
export { TableApiValidationError } from './sql/tableApiProblems';
