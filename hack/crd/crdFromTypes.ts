import { type InterfaceDeclaration, Node, Project, type SourceFile, SyntaxKind } from "ts-morph";
import { readDocComment } from "./jsdocTags.js";
import { schemaFromInterface } from "./schemaFromTypes.js";
import {
  CrdGenerationError,
  type CustomResourceDefinition,
  type JsonSchema,
  type PrinterColumn,
} from "./schemaTypes.js";

const PRINTER_COLUMN_TYPES = new Set(["string", "integer", "number", "boolean", "date"]);

/**
 * The whole CRD from the API types' source text: names from the exported constants
 * (GROUP, VERSION, KIND, PLURAL, SINGULAR, SHORT_NAMES, CATEGORIES), the schema from the
 * interface tagged `@kind`, printer columns from its `@printerColumn` tags. Pure: same text in,
 * same object out.
 */
export function crdFromSource(sourceText: string, fileName = "types.ts"): CustomResourceDefinition {
  const project = new Project({ useInMemoryFileSystem: true });
  const sourceFile = project.createSourceFile(fileName, sourceText);
  const constant = (name: string) => readStringConstant(sourceFile, name);
  const constantList = (name: string) => readStringListConstant(sourceFile, name);

  const group = constant("GROUP");
  const version = constant("VERSION");
  const kind = constant("KIND");
  const plural = constant("PLURAL");
  const root = findRootInterface(sourceFile, kind);
  const schema = schemaFromInterface(sourceFile, root);
  for (const field of ["spec", "status"]) {
    if (!schema.properties?.[field]) {
      throw new CrdGenerationError(root.getName(), `the root type needs a ${field} property`);
    }
  }
  const printerColumns = readPrinterColumns(root, schema);

  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      names: {
        kind,
        listKind: `${kind}List`,
        plural,
        singular: constant("SINGULAR"),
        shortNames: constantList("SHORT_NAMES"),
        categories: constantList("CATEGORIES"),
      },
      scope: "Namespaced",
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: printerColumns,
          schema: { openAPIV3Schema: canonicalKeyOrder(schema) },
        },
      ],
    },
  };
}

function findRootInterface(sourceFile: SourceFile, kind: string): InterfaceDeclaration {
  const roots = sourceFile
    .getInterfaces()
    .filter((declaration) => readDocComment(declaration).tags.some((tag) => tag.name === "kind"));
  if (roots.length !== 1) {
    throw new CrdGenerationError(
      sourceFile.getBaseName(),
      `exactly one interface must carry @kind, found ${roots.length}`,
    );
  }
  const root = roots[0]!;
  const tagged = readDocComment(root).tags.find((tag) => tag.name === "kind")!.text;
  if (tagged !== kind) {
    throw new CrdGenerationError(root.getName(), `@kind ${tagged} differs from KIND = "${kind}"`);
  }
  return root;
}

/**
 * `@printerColumn <Name> <type> <.json.path> [priority=N] [:: description]`; the path must exist in
 * the schema. A priority above 0 shows the column only in `kubectl get -o wide`.
 * The path may end in a union, `.spec.target['pod','node']`: the server prints the first present.
 */
function readPrinterColumns(root: InterfaceDeclaration, schema: JsonSchema): PrinterColumn[] {
  const columns: PrinterColumn[] = [];
  for (const tag of readDocComment(root).tags) {
    if (tag.name !== "printerColumn") continue;
    const where = `${root.getName()} @printerColumn ${tag.text}`;
    const [head, description, ...rest] = tag.text.split(" :: ").map((part) => part.trim());
    const words = (head ?? "").split(/\s+/);
    const priorityWord = words.length === 4 ? /^priority=(\d+)$/.exec(words[3]!) : undefined;
    if ((words.length !== 3 && !priorityWord) || rest.length > 0 || description === "") {
      throw new CrdGenerationError(
        where,
        'needs "<Name> <type> <.json.path> [priority=N] [:: description]"',
      );
    }
    const [name, type, jsonPath] = words as [string, string, string];
    if (!PRINTER_COLUMN_TYPES.has(type)) {
      throw new CrdGenerationError(
        where,
        `type must be one of ${[...PRINTER_COLUMN_TYPES].join(", ")}`,
      );
    }
    checkColumnPath(schema, jsonPath, type, where);
    const column: PrinterColumn = { name, type: type as PrinterColumn["type"], jsonPath };
    if (description !== undefined) column.description = description;
    if (priorityWord && Number(priorityWord[1]) > 0) column.priority = Number(priorityWord[1]);
    columns.push(column);
  }
  return columns;
}

/** A printer column naming a field that does not exist prints blanks forever; refuse it. */
function checkColumnPath(schema: JsonSchema, jsonPath: string, type: string, where: string): void {
  const match =
    /^((?:\.[A-Za-z_][A-Za-z0-9_]*)+)(?:\[('[A-Za-z_][A-Za-z0-9_]*'(?:,'[A-Za-z_][A-Za-z0-9_]*')*)\])?$/.exec(
      jsonPath,
    );
  if (!match) {
    throw new CrdGenerationError(
      where,
      "the path must be .field.sub, optionally ending in ['a','b']",
    );
  }
  const prefix = match[1]!.slice(1).split(".");
  if (prefix[0] === "metadata") return; // owned by the API server
  const alternatives = match[2]
    ? match[2].split(",").map((name) => name.slice(1, -1))
    : [undefined];
  for (const alternative of alternatives) {
    const segments = alternative === undefined ? prefix : [...prefix, alternative];
    let current: JsonSchema | undefined = schema;
    for (const segment of segments) {
      current = current?.properties?.[segment];
      if (!current) {
        throw new CrdGenerationError(where, `.${segments.join(".")} is not in the schema`);
      }
    }
    const expected = type === "date" ? "string" : type;
    if (current!.type !== expected) {
      throw new CrdGenerationError(
        where,
        `.${segments.join(".")} is ${current!.type}, not ${type}`,
      );
    }
  }
}

const KEY_ORDER: Array<keyof JsonSchema> = [
  "description",
  "type",
  "format",
  "enum",
  "default",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "pattern",
  "minItems",
  "maxItems",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-preserve-unknown-fields",
  "items",
  "additionalProperties",
  "properties",
  "required",
  "x-kubernetes-validations",
];

/** One key order everywhere, so the YAML does not depend on the order tags were written. */
function canonicalKeyOrder(schema: JsonSchema): JsonSchema {
  const ordered: Record<string, unknown> = {};
  for (const key of KEY_ORDER) {
    const value = schema[key];
    if (value === undefined) continue;
    if (key === "items" || key === "additionalProperties") {
      ordered[key] = canonicalKeyOrder(value as JsonSchema);
    } else if (key === "properties") {
      ordered[key] = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([name, child]) => [
          name,
          canonicalKeyOrder(child),
        ]),
      );
    } else {
      ordered[key] = value;
    }
  }
  return ordered as JsonSchema;
}

function readStringConstant(sourceFile: SourceFile, name: string): string {
  const value = evaluateConstant(sourceFile, name, []);
  if (typeof value !== "string") {
    throw new CrdGenerationError(`const ${name}`, "must be a string");
  }
  return value;
}

function readStringListConstant(sourceFile: SourceFile, name: string): string[] {
  const value = evaluateConstant(sourceFile, name, []);
  if (!Array.isArray(value))
    throw new CrdGenerationError(`const ${name}`, "must be a string array");
  return value;
}

/** Evaluates string, template and string-array constants, the only forms the names use. */
function evaluateConstant(
  sourceFile: SourceFile,
  name: string,
  chain: string[],
): string | string[] {
  const where = `const ${name}`;
  if (chain.includes(name)) throw new CrdGenerationError(where, "refers to itself");
  const declaration = sourceFile.getVariableDeclaration(name);
  if (!declaration) throw new CrdGenerationError(where, "is not declared in the API types file");
  let initializer = declaration.getInitializer();
  while (
    initializer &&
    (Node.isAsExpression(initializer) || Node.isSatisfiesExpression(initializer))
  ) {
    initializer = initializer.getExpression();
  }
  if (!initializer) throw new CrdGenerationError(where, "has no value");
  const asString = (node: Node): string => {
    if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) {
      return node.getLiteralValue();
    }
    if (Node.isIdentifier(node)) {
      const value = evaluateConstant(sourceFile, node.getText(), [...chain, name]);
      if (typeof value === "string") return value;
    }
    if (Node.isTemplateExpression(node)) {
      return (
        node.getHead().getLiteralText() +
        node
          .getTemplateSpans()
          .map((span) => asString(span.getExpression()) + span.getLiteral().getLiteralText())
          .join("")
      );
    }
    throw new CrdGenerationError(where, `cannot evaluate "${node.getText()}"`);
  };
  if (initializer.getKind() === SyntaxKind.ArrayLiteralExpression) {
    return initializer.asKindOrThrow(SyntaxKind.ArrayLiteralExpression).getElements().map(asString);
  }
  return asString(initializer);
}
