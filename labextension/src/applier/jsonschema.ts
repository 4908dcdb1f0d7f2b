/**
 * A small JSON Schema (draft 7) checker for the keywords metadata.schema.json uses, so the
 * TypeScript applier validates history with the very schema the Python side uses.
 */

/** A JSON Schema node (only the keywords below are understood; others are ignored). */
export interface Schema {
  $ref?: string;
  type?: string | string[];
  required?: string[];
  properties?: { [key: string]: Schema };
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  anyOf?: Schema[];
  oneOf?: Schema[];
  not?: Schema;
  allOf?: Schema[];
  if?: Schema;
  then?: Schema;
  else?: Schema;
  definitions?: { [key: string]: Schema };
  [other: string]: unknown;
}

/** Every keyword this checker understands (a schema using others must not be trusted to it). */
export const KNOWN_KEYWORDS = new Set([
  '$ref', '$schema', 'title', 'description', 'type', 'required', 'properties',
  'additionalProperties', 'items', 'enum', 'const', 'pattern', 'minLength', 'maxLength',
  'minimum', 'maximum', 'minItems', 'maxItems', 'anyOf', 'oneOf', 'allOf', 'not', 'if', 'then',
  'else', 'definitions'
]);

/** Keywords of `schema` (nested) that this checker does not understand. */
export function unknownKeywords(schema: Schema): string[] {
  const found = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
    } else if (isObject(node)) {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'properties' || key === 'definitions') {
          Object.values(value as object).forEach(walk);
        } else if (key !== 'enum' && key !== 'const') {
          if (!KNOWN_KEYWORDS.has(key)) {
            found.add(key);
          }
          walk(value);
        }
      }
    }
  };
  walk(schema);
  return [...found].sort();
}

/** The first problem of `data` against `schema` (`#/definitions/...` refs resolve in `root`), or null. */
export function schemaProblem(
  schema: Schema,
  data: unknown,
  root: Schema = schema,
  where = ''
): string | null {
  if (schema.$ref !== undefined) {
    const name = schema.$ref.replace(/^#\/definitions\//, '');
    const target = root.definitions?.[name];
    if (!target) {
      return `${where || 'value'}: unknown schema reference ${schema.$ref}`;
    }
    const problem = schemaProblem(target, data, root, where);
    if (problem) {
      return problem;
    }
  }
  const label = where || 'value';
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some(type => hasType(data, type))) {
      return `${label} must be ${types.join(' or ')}`;
    }
  }
  if ('const' in schema && !deepEqual(data, schema.const)) {
    return `${label} must be ${JSON.stringify(schema.const)}`;
  }
  if (schema.enum !== undefined && !schema.enum.some(value => deepEqual(value, data))) {
    return `${label} must be one of ${schema.enum.map(v => JSON.stringify(v)).join(', ')}`;
  }
  if (typeof data === 'string') {
    if (schema.minLength !== undefined && [...data].length < schema.minLength) {
      return `${label} must be at least ${schema.minLength} characters long`;
    }
    if (schema.maxLength !== undefined && [...data].length > schema.maxLength) {
      return `${label} must be at most ${schema.maxLength} characters long`;
    }
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(data)) {
      return `${label} must match pattern ${schema.pattern}`;
    }
  }
  if (typeof data === 'number' && schema.minimum !== undefined && data < schema.minimum) {
    return `${label} must be >= ${schema.minimum}`;
  }
  if (typeof data === 'number' && schema.maximum !== undefined && data > schema.maximum) {
    return `${label} must be <= ${schema.maximum}`;
  }
  if (Array.isArray(data) && schema.minItems !== undefined && data.length < schema.minItems) {
    return `${label} must hold at least ${schema.minItems} items`;
  }
  if (Array.isArray(data) && schema.maxItems !== undefined && data.length > schema.maxItems) {
    return `${label} must hold at most ${schema.maxItems} items`;
  }
  if (Array.isArray(data) && schema.items !== undefined) {
    for (let index = 0; index < data.length; index++) {
      const problem = schemaProblem(schema.items, data[index], root, `${where}[${index}]`);
      if (problem) {
        return problem;
      }
    }
  }
  if (isObject(data)) {
    const problem = objectProblem(schema, data, root, where);
    if (problem) {
      return problem;
    }
  }
  if (schema.anyOf !== undefined) {
    const problems = schema.anyOf.map(option => schemaProblem(option, data, root, where));
    if (problems.every(problem => problem !== null)) {
      return problems[0];
    }
  }
  if (schema.oneOf !== undefined) {
    const problems = schema.oneOf.map(option => schemaProblem(option, data, root, where));
    const passing = problems.filter(problem => problem === null).length;
    if (passing !== 1) {
      return passing === 0 ? problems[0] : `${label} must match exactly one of the allowed forms`;
    }
  }
  if (schema.not !== undefined && schemaProblem(schema.not, data, root, where) === null) {
    return `${label} is not allowed here`;
  }
  for (const part of schema.allOf ?? []) {
    const problem = schemaProblem(part, data, root, where);
    if (problem) {
      return problem;
    }
  }
  if (schema.if !== undefined) {
    const branch = schemaProblem(schema.if, data, root, where) === null ? schema.then : schema.else;
    if (branch !== undefined) {
      return schemaProblem(branch, data, root, where);
    }
  }
  return null;
}

function objectProblem(
  schema: Schema,
  data: { [key: string]: unknown },
  root: Schema,
  where: string
): string | null {
  for (const key of schema.required ?? []) {
    if (!(key in data)) {
      return `${where || 'value'} must contain ${JSON.stringify(key)}`;
    }
  }
  const properties = schema.properties ?? {};
  for (const [key, value] of Object.entries(data)) {
    const child = `${where}.${key}`;
    if (key in properties) {
      const problem = schemaProblem(properties[key], value, root, child);
      if (problem) {
        return problem;
      }
    } else if (schema.additionalProperties === false) {
      return `${where || 'value'} must not contain ${JSON.stringify(key)}`;
    } else if (isObject(schema.additionalProperties)) {
      const problem = schemaProblem(schema.additionalProperties as Schema, value, root, child);
      if (problem) {
        return problem;
      }
    }
  }
  return null;
}

function hasType(data: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return isObject(data);
    case 'array':
      return Array.isArray(data);
    case 'string':
      return typeof data === 'string';
    case 'integer':
      return typeof data === 'number' && Number.isInteger(data);
    case 'number':
      return typeof data === 'number';
    case 'boolean':
      return typeof data === 'boolean';
    case 'null':
      return data === null;
    default:
      return false;
  }
}

/** A plain JSON object (not null, not an array). */
export function isObject(data: unknown): data is { [key: string]: unknown } {
  return typeof data === 'object' && data !== null && !Array.isArray(data);
}

/** Deep equality of JSON values (key order does not matter). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((value, index) => deepEqual(value, b[index]))
    );
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every(key => key in b && deepEqual(a[key], b[key]))
    );
  }
  return false;
}
