import type { JSDocableNode } from "ts-morph";
import { CrdGenerationError, type JsonSchema, type ValidationRule } from "./schemaTypes.js";

export interface DocTag {
  name: string;
  text: string;
}

export interface DocComment {
  description?: string;
  tags: DocTag[];
}

/** Tags that only document; accepted and ignored so a typo in a schema tag still fails. */
const DOC_ONLY_TAGS = new Set(["see", "example", "remarks", "deprecated"]);

/** Tags that only the root type may carry (crdFromTypes reads them there); refused elsewhere. */
const ROOT_TAGS = new Set(["kind", "printerColumn"]);

/** Reads a declaration's JSDoc: description paragraphs joined to single lines, tags in order. */
export function readDocComment(node: JSDocableNode): DocComment {
  const paragraphs: string[] = [];
  const tags: DocTag[] = [];
  for (const doc of node.getJsDocs()) {
    paragraphs.push(...toParagraphs(doc.getDescription()));
    for (const tag of doc.getTags()) {
      tags.push({ name: tag.getTagName(), text: rawTagText(tag.getText()) });
    }
  }
  const description = paragraphs.join("\n\n");
  return description === "" ? { tags } : { description, tags };
}

/**
 * The tag's text as written: TypeScript parses some tags (`@type {T}`, `@default`) its own way,
 * and patterns or CEL rules must reach the schema unchanged.
 */
function rawTagText(tagSource: string): string {
  return oneLine(
    tagSource
      .replace(/^@\S+/, "")
      .split("\n")
      .map((line, index) => (index === 0 ? line : line.replace(/^\s*\*(?!\/)/, "")))
      .join("\n"),
  );
}

function toParagraphs(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map(oneLine)
    .filter((p) => p !== "");
}

function oneLine(text: string): string {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .join(" ");
}

/**
 * Applies schema tags to `schema` in place. `where` names the declaration for errors.
 * Checks that each tag fits the schema's type, so a misplaced tag fails instead of being ignored.
 */
export function applySchemaTags(schema: JsonSchema, tags: DocTag[], where: string): void {
  for (const tag of tags) {
    applyTag(schema, tag, where);
  }
  checkListMap(schema, where);
  if (schema.default !== undefined) {
    checkDefault(schema, schema.default, where);
  }
}

/** Bound tags and what they bound: a number (on integer/number fields), a string's length, an array's size. */
const BOUND_TAGS = {
  minimum: "number",
  maximum: "number",
  minLength: "string",
  maxLength: "string",
  minItems: "array",
  maxItems: "array",
} as const;

function applyTag(schema: JsonSchema, tag: DocTag, where: string): void {
  const fail = (problem: string): never => {
    throw new CrdGenerationError(where, `@${tag.name} ${problem}`);
  };
  const needType = (...types: Array<JsonSchema["type"]>) => {
    if (!types.includes(schema.type)) {
      fail(`applies to ${types.join("/")} only, but the type is ${schema.type ?? "untyped"}`);
    }
  };
  const integerArg = (): number => {
    if (!/^-?\d+$/.test(tag.text)) fail(`needs an integer, got "${tag.text}"`);
    return Number(tag.text);
  };
  const numberArg = (): number => {
    const value = Number(tag.text);
    if (tag.text === "" || !Number.isFinite(value)) fail(`needs a number, got "${tag.text}"`);
    if (schema.type === "integer" && !Number.isInteger(value)) {
      fail(`needs an integer on an integer field, got "${tag.text}"`);
    }
    return value;
  };
  if (Object.hasOwn(BOUND_TAGS, tag.name)) {
    const bound = tag.name as keyof typeof BOUND_TAGS;
    const type = BOUND_TAGS[bound];
    if (type === "number") {
      needType("integer", "number");
      schema[bound] = numberArg();
    } else {
      needType(type);
      schema[bound] = integerArg();
    }
    return;
  }
  switch (tag.name) {
    case "pattern":
      needType("string");
      if (tag.text === "") fail("needs a regular expression");
      try {
        new RegExp(tag.text);
      } catch (error) {
        fail(`is not a valid regular expression: ${(error as Error).message}`);
      }
      schema.pattern = tag.text;
      return;
    case "format":
      needType("string", "integer", "number");
      if (!/^[a-z0-9-]+$/.test(tag.text)) fail(`needs a format name, got "${tag.text}"`);
      schema.format = tag.text;
      return;
    case "listType":
      needType("array");
      if (tag.text !== "atomic" && tag.text !== "set" && tag.text !== "map") {
        fail(`must be atomic, set or map, got "${tag.text}"`);
      }
      schema["x-kubernetes-list-type"] = tag.text as "atomic" | "set" | "map";
      return;
    case "listMapKey":
      needType("array");
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(tag.text)) fail(`needs a field name, got "${tag.text}"`);
      schema["x-kubernetes-list-map-keys"] = [
        ...(schema["x-kubernetes-list-map-keys"] ?? []),
        tag.text,
      ];
      return;
    case "preserveUnknownFields":
      needType("object");
      if (tag.text !== "") fail("takes no argument");
      schema["x-kubernetes-preserve-unknown-fields"] = true;
      return;
    case "default":
      try {
        schema.default = JSON.parse(tag.text);
      } catch {
        fail(`needs a JSON value, got "${tag.text}"`);
      }
      return;
    case "type":
      // The API uses integers only; `number` must be asked for explicitly.
      needType("integer");
      if (tag.text !== "number") fail(`can only switch an integer to number, got "${tag.text}"`);
      schema.type = "number";
      return;
    case "validation":
      schema["x-kubernetes-validations"] = [
        ...(schema["x-kubernetes-validations"] ?? []),
        parseValidation(tag.text, fail),
      ];
      return;
    default:
      if (DOC_ONLY_TAGS.has(tag.name)) return;
      if (ROOT_TAGS.has(tag.name)) fail("is only allowed on the root type (the one with @kind)");
      fail("is not a known schema tag");
  }
}

/** `<CEL rule> :: <message> [:: <fieldPath>]` */
function parseValidation(text: string, fail: (problem: string) => never): ValidationRule {
  const parts = text.split(" :: ").map((part) => part.trim());
  const [rule, message, fieldPath, ...rest] = parts;
  if (!rule || !message || rest.length > 0 || fieldPath === "") {
    fail(`needs "<CEL rule> :: <message> [:: <fieldPath>]", got "${text}"`);
  }
  if (fieldPath !== undefined && !/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(fieldPath)) {
    fail(`fieldPath must look like .field.sub, got "${fieldPath}"`);
  }
  return fieldPath === undefined
    ? { rule: rule!, message: message! }
    : { rule: rule!, message: message!, fieldPath };
}

function checkListMap(schema: JsonSchema, where: string): void {
  const keys = schema["x-kubernetes-list-map-keys"];
  const listType = schema["x-kubernetes-list-type"];
  if (keys && listType !== "map") {
    throw new CrdGenerationError(where, "@listMapKey needs @listType map");
  }
  if (listType !== "map") return;
  if (!keys) throw new CrdGenerationError(where, "@listType map needs @listMapKey");
  const item = schema.items;
  if (item?.type !== "object") {
    throw new CrdGenerationError(where, "@listType map needs object items");
  }
  for (const key of keys) {
    const keySchema = item.properties?.[key];
    if (!keySchema) {
      throw new CrdGenerationError(where, `@listMapKey ${key} is not a property of the items`);
    }
    if (!item.required?.includes(key) && keySchema.default === undefined) {
      throw new CrdGenerationError(where, `@listMapKey ${key} must be required or have a default`);
    }
  }
}

/** A default the API server would reject makes the CRD uninstallable; catch it here. */
function checkDefault(schema: JsonSchema, value: unknown, where: string): void {
  const fail = (problem: string): never => {
    throw new CrdGenerationError(where, `@default ${JSON.stringify(value)} ${problem}`);
  };
  switch (schema.type) {
    case "integer":
      if (!Number.isInteger(value)) fail("is not an integer");
      break;
    case "number":
      if (typeof value !== "number") fail("is not a number");
      break;
    case "string":
      if (typeof value !== "string") fail("is not a string");
      break;
    case "boolean":
      if (typeof value !== "boolean") fail("is not a boolean");
      break;
    case "array":
      if (!Array.isArray(value)) fail("is not an array");
      for (const item of value as unknown[]) {
        if (schema.items) checkDefault(schema.items, item, where);
      }
      if (schema.maxItems !== undefined && (value as unknown[]).length > schema.maxItems) {
        fail(`has more than ${schema.maxItems} items`);
      }
      return;
    case "object":
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        fail("is not an object");
      }
      return;
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) fail(`is below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) fail(`is above ${schema.maximum}`);
  }
  if (typeof value === "string") {
    if (schema.enum && !schema.enum.includes(value))
      fail(`is not one of ${schema.enum.join(", ")}`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) {
      fail(`is longer than ${schema.maxLength}`);
    }
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) {
      fail(`does not match ${schema.pattern}`);
    }
  }
}
