import { useState } from 'react';
import { optionsOf, type CsvDialect, type CsvOptions } from '../../../../app/dataset/csv-options';
import type { DatasetMeta } from '../../../../app/dataset/schema';
import { useActions, useProject } from '../../app/context';

const DELIMITERS = [
  { value: ',', label: 'Comma ,' },
  { value: ';', label: 'Semicolon ;' },
  { value: '\t', label: 'Tab' },
  { value: '|', label: 'Pipe |' },
] as const;
const ENCODINGS = [
  { value: 'utf-8', label: 'UTF-8' },
  { value: 'utf-16le', label: 'UTF-16 LE' },
  { value: 'utf-16be', label: 'UTF-16 BE' },
  { value: 'windows-1252', label: 'Latin-1 / Windows-1252' },
] as const;

/**
 * How the file was read (detected, or as the user last chose) and a form to read it again
 * differently: delimiter, header row, encoding, decimal comma. Re-import reads the file imported
 * in this window again by its path; a dataset from an earlier session shows its settings only.
 */
export function ImportOptions({ dataset }: { dataset: DatasetMeta }) {
  const dialect = dataset.csv;
  const last = useProject((s) => s.lastImport);
  const importing = useProject((s) => s.importing);
  const { reimport } = useActions();
  const [draft, setDraft] = useState<CsvOptions | null>(null);
  if (!dialect) return null;
  const current: Required<CsvOptions> = { ...(optionsOf(dialect) as Required<CsvOptions>), ...draft };
  const canReimport = last !== null && last.name === dataset.sourceFile;
  const changed = draft !== null && Object.entries(draft).some(([k, v]) => dialect[k as keyof CsvDialect] !== v);
  const set = (patch: CsvOptions) => setDraft((d) => ({ ...d, ...patch }));

  return (
    <details className="import-options" data-testid="import-options">
      <summary>
        Read as <strong>{DELIMITERS.find((d) => d.value === dialect.delimiter)?.label ?? dialect.delimiter}</strong>
        {' · '}
        {dialect.header ? 'header row' : 'no header row'}
        {' · '}
        {ENCODINGS.find((e) => e.value === dialect.encoding)?.label}
        {dialect.decimalComma ? ' · decimal comma' : ''}
        {dialect.bom ? ' · BOM' : ''}
        {dialect.lineBreak === '\r\n' ? ' · CRLF' : ''}
      </summary>
      <div className="import-options-form">
        <label>
          Delimiter
          <select
            value={current.delimiter}
            onChange={(e) => set({ delimiter: e.target.value as CsvOptions['delimiter'] })}
            data-testid="option-delimiter"
          >
            {DELIMITERS.map((d) => (
              <option key={d.value} value={d.value}>
                {d.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          First row
          <select
            value={current.header ? 'header' : 'data'}
            onChange={(e) => set({ header: e.target.value === 'header' })}
            data-testid="option-header"
          >
            <option value="header">Column names</option>
            <option value="data">Data (name columns column_1…)</option>
          </select>
        </label>
        <label>
          Encoding
          <select
            value={current.encoding}
            onChange={(e) => set({ encoding: e.target.value as CsvOptions['encoding'] })}
            data-testid="option-encoding"
          >
            {ENCODINGS.map((d) => (
              <option key={d.value} value={d.value}>
                {d.label}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={current.decimalComma}
            onChange={(e) => set({ decimalComma: e.target.checked })}
            data-testid="option-decimal-comma"
          />
          Decimal comma (3,14)
        </label>
        <button
          type="button"
          className="btn btn-primary"
          disabled={!canReimport || !changed || !!importing}
          onClick={() => {
            void reimport(current).then(() => setDraft(null));
          }}
          data-testid="reimport"
        >
          Re-import
        </button>
        {!canReimport && (
          <span className="muted">Choose {dataset.sourceFile} again to re-import it with other settings.</span>
        )}
      </div>
    </details>
  );
}
