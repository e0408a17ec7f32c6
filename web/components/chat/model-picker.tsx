'use client';

import { useEffect, useId, useState } from 'react';
import { fetchModels, modelLabel, type ModelChoice } from '../../lib/chat/model-list.ts';

// The model for the next replies, from the server's `GET /v1/models` (its default first).

export function ModelPicker(props: {
  httpBase: string;
  token: string;
  value: string | null;
  onChange(model: string | null): void;
}) {
  const { httpBase, token, value, onChange } = props;
  const [models, setModels] = useState<ModelChoice[] | null>(null);
  const [failed, setFailed] = useState(false);
  const id = useId();

  useEffect(() => {
    const controller = new AbortController();
    fetchModels({ httpBase, token, signal: controller.signal }).then(setModels, () => {
      if (!controller.signal.aborted) setFailed(true);
    });
    return () => controller.abort();
  }, [httpBase, token]);

  // A stored choice the server no longer offers falls back to the server's default.
  useEffect(() => {
    if (models !== null && value !== null && !models.some((model) => model.id === value)) onChange(null);
  }, [models, value, onChange]);

  const selected = value === null || value === models?.[0]?.id ? '' : value;
  if (failed) return <p className="model-picker muted">Model: the server's default</p>;
  return (
    <div className="model-picker">
      <label htmlFor={id}>Model</label>
      <select
        id={id}
        value={selected}
        disabled={models === null}
        onChange={(event) => onChange(event.target.value === '' ? null : event.target.value)}
      >
        {models === null ? (
          <option value="">Loading…</option>
        ) : (
          models.map((model, index) => (
            <option key={model.id} value={index === 0 ? '' : model.id}>
              {modelLabel(model.id)}
              {index === 0 ? ' (default)' : ''}
            </option>
          ))
        )}
      </select>
    </div>
  );
}
