import { describe, expect, it } from 'vitest';
import { parseJobSpecObject, parseJobSpecYaml } from '../../../hub/operator/job-spec-parse.ts';

describe('parseJobSpecYaml', () => {
  it('puts each problem on the line of its key', () => {
    const res = parseJobSpecYaml(['name: x', 'rounds: many', 'method: avg', 'colour: red'].join('\n'));
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.issues).toContainEqual(expect.objectContaining({ path: 'rounds', line: 2 }));
    expect(res.issues).toContainEqual(
      expect.objectContaining({ path: 'colour', line: 4, message: 'unknown field "colour"' }),
    );
  });

  it('finds nested list items', () => {
    const yaml = [
      'name: x',
      'rounds: 1',
      'model:',
      '  name: m',
      '  inputShape: [4, 4, 1]',
      '  numClasses: 3',
      '  layers:',
      '    - type: flatten',
      '    - type: dense',
      '      units: 0',
    ].join('\n');
    const res = parseJobSpecYaml(yaml);
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.issues[0]).toMatchObject({ path: 'model.layers.1.units', line: 10 });
  });

  it('reports YAML syntax errors with their line', () => {
    const res = parseJobSpecYaml('name: x\nrounds: [1,\n');
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.issues[0].line).toBeGreaterThanOrEqual(2);
  });

  it('accepts a valid spec and applies defaults', () => {
    const res = parseJobSpecYaml('name: fine\nrounds: 3\n');
    expect(res.ok && res.spec.method).toBe('avg');
  });

  it('validates JSON objects without lines', () => {
    const res = parseJobSpecObject({ name: 'x' });
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.issues[0]).toEqual({ path: 'rounds', message: expect.any(String) });
  });
});
