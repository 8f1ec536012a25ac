import {
  type InterfaceDeclaration,
  Node,
  type PropertySignature,
  type SourceFile,
  SyntaxKind,
  type TypeLiteralNode,
  type TypeNode,
  type TypeReferenceNode,
} from "ts-morph";
import { applySchemaTags, type DocComment, readDocComment } from "./jsdocTags.js";
import { CrdGenerationError, type JsonSchema } from "./schemaTypes.js";

/** Fields every Kubernetes object has; the API server owns their schema. */
const ENVELOPE: Record<string, JsonSchema> = {
  apiVersion: {
    description:
      "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.",
    type: "string",
  },
  kind: {
    description:
      "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. In CamelCase.",
    type: "string",
  },
  metadata: { type: "object" },
};

/**
 * Builds the structural OpenAPI v3 schema of `root` (an interface in `sourceFile`), following
 * type references within that file. Throws CrdGenerationError naming the type and property
 * for anything it cannot express, rather than emitting an empty schema.
 */
export function schemaFromInterface(
  sourceFile: SourceFile,
  root: InterfaceDeclaration,
): JsonSchema {
  const builder = new SchemaBuilder(sourceFile);
  const schema = builder.objectFromMembers(root.getName(), root.getProperties(), root, true);
  const doc = readDocComment(root);
  applySchemaTags(
    schema,
    doc.tags.filter((tag) => tag.name !== "kind" && tag.name !== "printerColumn"),
    root.getName(),
  );
  return withDescription(schema, doc.description);
}

class SchemaBuilder {
  /** Interfaces being expanded, to refuse recursive types (structural schemas cannot express them). */
  private readonly expanding: string[] = [];

  constructor(private readonly sourceFile: SourceFile) {}

  objectFromMembers(
    typeName: string,
    properties: PropertySignature[],
    container: InterfaceDeclaration | TypeLiteralNode,
    isRoot = false,
  ): JsonSchema {
    for (const member of container.getMembers()) {
      if (!Node.isPropertySignature(member)) {
        throw new CrdGenerationError(
          typeName,
          `unsupported member "${member.getText().split("\n")[0]}" (only plain properties map to a schema)`,
        );
      }
    }
    if (Node.isInterfaceDeclaration(container) && container.getExtends().length > 0) {
      throw new CrdGenerationError(typeName, "interfaces that extend others are not supported");
    }
    const schema: JsonSchema = { type: "object", properties: {} };
    const required: string[] = [];
    for (const property of properties) {
      const name = property.getName();
      const where = `${typeName}.${name}`;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        throw new CrdGenerationError(where, "property names must be plain identifiers");
      }
      if (isRoot && name in ENVELOPE) {
        schema.properties![name] = structuredClone(ENVELOPE[name]!);
        continue;
      }
      schema.properties![name] = this.propertySchema(property, where);
      if (!property.hasQuestionToken()) required.push(name);
    }
    if (required.length > 0) schema.required = required;
    return schema;
  }

  private propertySchema(property: PropertySignature, where: string): JsonSchema {
    const typeNode = property.getTypeNode();
    if (!typeNode) throw new CrdGenerationError(where, "needs an explicit type");
    const doc = readDocComment(property);
    const preserve = doc.tags.some((tag) => tag.name === "preserveUnknownFields");
    if (isRecordOfUnknown(typeNode)) {
      if (!preserve) {
        throw new CrdGenerationError(
          where,
          `${typeNode.getText()} needs @preserveUnknownFields (a free-form object must say so)`,
        );
      }
      const schema: JsonSchema = { type: "object" };
      applySchemaTags(schema, doc.tags, where);
      return withDescription(schema, doc.description);
    }
    const { schema, description } = this.fromTypeNode(typeNode, where);
    applySchemaTags(schema, doc.tags, where);
    return withDescription(schema, doc.description ?? description);
  }

  /** The schema of a type node plus the description of the declaration it names, if any. */
  private fromTypeNode(
    node: TypeNode,
    where: string,
  ): { schema: JsonSchema; description?: string } {
    const unsupported = (why: string): never => {
      throw new CrdGenerationError(where, `unsupported type "${node.getText()}": ${why}`);
    };
    switch (node.getKind()) {
      case SyntaxKind.StringKeyword:
        return { schema: { type: "string" } };
      case SyntaxKind.NumberKeyword:
        // The API carries integers only; `@type number` opts into floating point.
        return { schema: { type: "integer" } };
      case SyntaxKind.BooleanKeyword:
        return { schema: { type: "boolean" } };
      case SyntaxKind.ParenthesizedType:
        return this.fromTypeNode(
          node.asKindOrThrow(SyntaxKind.ParenthesizedType).getTypeNode(),
          where,
        );
      case SyntaxKind.LiteralType:
      case SyntaxKind.UnionType:
        return { schema: { type: "string", enum: this.stringLiterals(node, where) } };
      case SyntaxKind.ArrayType:
        return {
          schema: {
            type: "array",
            items: this.itemSchema(
              node.asKindOrThrow(SyntaxKind.ArrayType).getElementTypeNode(),
              where,
            ),
          },
        };
      case SyntaxKind.TypeOperator: {
        const operator = node.asKindOrThrow(SyntaxKind.TypeOperator);
        if (operator.getOperator() !== SyntaxKind.ReadonlyKeyword)
          unsupported("only `readonly` is allowed");
        return this.fromTypeNode(operator.getTypeNode(), where);
      }
      case SyntaxKind.TypeLiteral: {
        const literal = node.asKindOrThrow(SyntaxKind.TypeLiteral);
        return { schema: this.objectFromMembers(where, literal.getProperties(), literal) };
      }
      case SyntaxKind.TypeReference:
        return this.fromTypeReference(node.asKindOrThrow(SyntaxKind.TypeReference), where);
      default:
        return unsupported(`no schema mapping for ${node.getKindName()}`);
    }
  }

  private itemSchema(node: TypeNode, where: string): JsonSchema {
    const { schema, description } = this.fromTypeNode(node, `${where}[]`);
    return withDescription(schema, description);
  }

  private fromTypeReference(
    node: TypeReferenceNode,
    where: string,
  ): { schema: JsonSchema; description?: string } {
    const name = node.getTypeName().getText();
    const args = node.getTypeArguments();
    if ((name === "Array" || name === "ReadonlyArray") && args.length === 1) {
      return { schema: { type: "array", items: this.itemSchema(args[0]!, where) } };
    }
    if (name === "Record" && args.length === 2) {
      if (args[0]!.getKind() !== SyntaxKind.StringKeyword) {
        throw new CrdGenerationError(
          where,
          `unsupported type "${node.getText()}": keys must be string`,
        );
      }
      return {
        schema: { type: "object", additionalProperties: this.itemSchema(args[1]!, `${where}{}`) },
      };
    }
    if (args.length > 0) {
      throw new CrdGenerationError(where, `unsupported type "${node.getText()}": generic types`);
    }
    const declaration = this.sourceFile.getInterface(name);
    if (declaration) {
      if (this.expanding.includes(name)) {
        throw new CrdGenerationError(
          where,
          `recursive type ${[...this.expanding, name].join(" -> ")} (structural schemas cannot recurse)`,
        );
      }
      this.expanding.push(name);
      const schema = this.objectFromMembers(name, declaration.getProperties(), declaration);
      this.expanding.pop();
      const doc = readDocComment(declaration);
      applySchemaTags(schema, doc.tags, name);
      return withOptionalDescription(schema, doc);
    }
    const alias = this.sourceFile.getTypeAlias(name);
    if (alias) {
      const { schema } = this.fromTypeNode(alias.getTypeNodeOrThrow(), `${where} (type ${name})`);
      const doc = readDocComment(alias);
      applySchemaTags(schema, doc.tags, name);
      return withOptionalDescription(schema, doc);
    }
    throw new CrdGenerationError(
      where,
      `unsupported type "${node.getText()}": not an interface or type alias declared in this file`,
    );
  }

  /** A union of string literals (possibly through aliases) is an enum; `undefined` is dropped. */
  private stringLiterals(node: TypeNode, where: string): string[] {
    const values: string[] = [];
    const visit = (current: TypeNode) => {
      if (Node.isUnionTypeNode(current)) {
        for (const member of current.getTypeNodes()) visit(member);
        return;
      }
      if (Node.isParenthesizedTypeNode(current)) {
        visit(current.getTypeNode());
        return;
      }
      if (current.getKind() === SyntaxKind.UndefinedKeyword) return;
      if (Node.isLiteralTypeNode(current)) {
        const literal = current.getLiteral();
        if (Node.isStringLiteral(literal)) {
          if (!values.includes(literal.getLiteralValue())) values.push(literal.getLiteralValue());
          return;
        }
      }
      if (Node.isTypeReference(current)) {
        const alias = this.sourceFile.getTypeAlias(current.getTypeName().getText());
        if (alias) {
          visit(alias.getTypeNodeOrThrow());
          return;
        }
      }
      throw new CrdGenerationError(
        where,
        `unsupported type "${node.getText()}": unions may only combine string literals (member "${current.getText()}")`,
      );
    };
    visit(node);
    if (values.length === 0) {
      throw new CrdGenerationError(where, `unsupported type "${node.getText()}": empty union`);
    }
    return values;
  }
}

function isRecordOfUnknown(node: TypeNode): boolean {
  if (!Node.isTypeReference(node) || node.getTypeName().getText() !== "Record") return false;
  const args = node.getTypeArguments();
  return args.length === 2 && args[1]!.getKind() === SyntaxKind.UnknownKeyword;
}

function withOptionalDescription(
  schema: JsonSchema,
  doc: DocComment,
): { schema: JsonSchema; description?: string } {
  return doc.description === undefined ? { schema } : { schema, description: doc.description };
}

/** Puts `description` first so the YAML reads top-down. */
function withDescription(schema: JsonSchema, description: string | undefined): JsonSchema {
  return description === undefined ? schema : { description, ...schema };
}
