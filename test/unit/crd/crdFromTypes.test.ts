import { expect } from "chai";
import { crdFromSource, type JsonSchema } from "../../../hack/devtools.js";

const NAMES = `
export const GROUP = "example.dev";
export const VERSION = "v1beta1";
export const API_VERSION = \`\${GROUP}/\${VERSION}\`;
export const KIND = "Widget";
export const PLURAL = "widgets";
export const SINGULAR = "widget";
export const SHORT_NAMES = ["wd"];
export const CATEGORIES = ["all-widgets"] as const;
`;

/** A complete types file around `body`, which must declare `WidgetSpec`. */
function source(body: string, rootTags = ""): string {
  return `${NAMES}
${body}
export interface WidgetStatus { ready?: boolean }
/**
 * A widget.
 * @kind Widget
${rootTags}
 */
export interface Widget {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: { name?: string; labels?: Record<string, string> };
  spec: WidgetSpec;
  status?: WidgetStatus;
}
`;
}

function rootSchema(text: string): JsonSchema {
  return crdFromSource(text).spec.versions[0]!.schema.openAPIV3Schema;
}

function specSchema(body: string): JsonSchema {
  return rootSchema(source(body)).properties!.spec!;
}

function generationError(text: string): string {
  try {
    crdFromSource(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected crdFromSource to throw");
}

describe("crdFromSource", () => {
  it("takes the CRD names from the exported constants", () => {
    const crd = crdFromSource(source("export interface WidgetSpec { size: number }"));
    expect(crd.metadata.name).to.equal("widgets.example.dev");
    expect(crd.spec.group).to.equal("example.dev");
    expect(crd.spec.names).to.deep.equal({
      kind: "Widget",
      listKind: "WidgetList",
      plural: "widgets",
      singular: "widget",
      shortNames: ["wd"],
      categories: ["all-widgets"],
    });
    const version = crd.spec.versions[0]!;
    expect(version.name).to.equal("v1beta1");
    expect(version.subresources).to.deep.equal({ status: {} });
  });

  it("gives the envelope fields the API server's shape and requires only spec at the root", () => {
    const root = rootSchema(source("export interface WidgetSpec { size: number }"));
    expect(root.description).to.equal("A widget.");
    expect(root.properties!.metadata).to.deep.equal({ type: "object" });
    expect(root.properties!.apiVersion!.type).to.equal("string");
    expect(root.properties!.kind!.type).to.equal("string");
    expect(root.required).to.deep.equal(["spec"]);
  });

  it("maps string, number (as integer), boolean and optional vs required", () => {
    const spec = specSchema(`
      export interface WidgetSpec {
        /** The name. */
        name: string;
        count?: number;
        /** @type number */
        ratio?: number;
        enabled: boolean;
      }`);
    expect(spec.properties).to.deep.equal({
      name: { description: "The name.", type: "string" },
      count: { type: "integer" },
      ratio: { type: "number" },
      enabled: { type: "boolean" },
    });
    expect(spec.required).to.deep.equal(["name", "enabled"]);
  });

  it("turns string literal unions, inline or through an alias, into enums in declaration order", () => {
    const spec = specSchema(`
      /** Colours. */
      export type Colour = "red" | "green" | "blue";
      export interface WidgetSpec {
        colour: Colour;
        shape?: "round" | "square" | undefined;
      }`);
    expect(spec.properties!.colour).to.deep.equal({
      description: "Colours.",
      type: "string",
      enum: ["red", "green", "blue"],
    });
    expect(spec.properties!.shape).to.deep.equal({ type: "string", enum: ["round", "square"] });
  });

  it("applies bounds, patterns, formats and defaults from JSDoc tags", () => {
    const spec = specSchema(`
      export interface WidgetSpec {
        /**
         * @minimum 10
         * @maximum 3600
         * @default 120
         */
        timeoutSeconds?: number;
        /**
         * @minLength 1
         * @maxLength 63
         * @pattern ^[a-z]+$
         */
        label?: string;
        /** @format date-time */
        since?: string;
      }`);
    expect(spec.properties!.timeoutSeconds).to.deep.equal({
      type: "integer",
      default: 120,
      minimum: 10,
      maximum: 3600,
    });
    expect(spec.properties!.label).to.deep.equal({
      type: "string",
      minLength: 1,
      maxLength: 63,
      pattern: "^[a-z]+$",
    });
    expect(spec.properties!.since).to.deep.equal({ type: "string", format: "date-time" });
  });

  it("maps arrays with item bounds and list types, and nested interfaces", () => {
    const spec = specSchema(`
      /** A part. */
      export interface Part {
        key: string;
        weight?: number;
      }
      export interface WidgetSpec {
        /**
         * @minItems 1
         * @maxItems 4
         * @listType set
         */
        tags?: Array<"a" | "b">;
        /**
         * @listType map
         * @listMapKey key
         */
        parts: readonly Part[];
      }`);
    expect(spec.properties!.tags).to.deep.equal({
      type: "array",
      minItems: 1,
      maxItems: 4,
      "x-kubernetes-list-type": "set",
      items: { type: "string", enum: ["a", "b"] },
    });
    expect(spec.properties!.parts).to.deep.equal({
      type: "array",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["key"],
      items: {
        description: "A part.",
        type: "object",
        properties: { key: { type: "string" }, weight: { type: "integer" } },
        required: ["key"],
      },
    });
  });

  it("emits free-form objects only when @preserveUnknownFields says so", () => {
    const spec = specSchema(`
      export interface WidgetSpec {
        /** @preserveUnknownFields */
        extra?: Record<string, unknown>;
        counts?: Record<string, number>;
      }`);
    expect(spec.properties!.extra).to.deep.equal({
      type: "object",
      "x-kubernetes-preserve-unknown-fields": true,
    });
    expect(spec.properties!.counts).to.deep.equal({
      type: "object",
      additionalProperties: { type: "integer" },
    });
  });

  it("puts CEL rules on the object that carries them, with an optional fieldPath", () => {
    const spec = specSchema(`
      /**
       * @validation has(self.a) != has(self.b) :: exactly one of a or b
       * @validation !has(self.b) || self.b > 1 :: b must exceed 1 :: .b
       */
      export interface Choice { a?: string; b?: number }
      export interface WidgetSpec { choice: Choice }`);
    expect(spec.properties!.choice!["x-kubernetes-validations"]).to.deep.equal([
      { rule: "has(self.a) != has(self.b)", message: "exactly one of a or b" },
      { rule: "!has(self.b) || self.b > 1", message: "b must exceed 1", fieldPath: ".b" },
    ]);
  });

  it("reads printer columns from the root type and checks their paths", () => {
    const text = source(
      "export interface WidgetSpec { size: number }",
      " * @printerColumn Size integer .spec.size :: how big\n * @printerColumn Wide integer .spec.size priority=1\n * @printerColumn Age date .metadata.creationTimestamp",
    );
    expect(crdFromSource(text).spec.versions[0]!.additionalPrinterColumns).to.deep.equal([
      { name: "Size", type: "integer", jsonPath: ".spec.size", description: "how big" },
      { name: "Wide", type: "integer", jsonPath: ".spec.size", priority: 1 },
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    ]);
    expect(
      generationError(
        source(
          "export interface WidgetSpec { size: number }",
          " * @printerColumn Size integer .spec.size wide",
        ),
      ),
    ).to.match(/priority=N/);
    const union = source(
      "export interface Choice { a?: string; b?: string }\nexport interface WidgetSpec { choice: Choice }",
      " * @printerColumn Choice string .spec.choice['a','b']",
    );
    expect(crdFromSource(union).spec.versions[0]!.additionalPrinterColumns[0]!.jsonPath).to.equal(
      ".spec.choice['a','b']",
    );
    expect(generationError(union.replace("'b'", "'c'"))).to.match(
      /\.spec\.choice\.c is not in the schema/,
    );
    const missing = source(
      "export interface WidgetSpec { size: number }",
      " * @printerColumn Colour string .spec.colour",
    );
    expect(generationError(missing)).to.match(/\.spec\.colour is not in the schema/);
  });

  it("is deterministic", () => {
    const text = source("export interface WidgetSpec { size: number; name?: string }");
    expect(JSON.stringify(crdFromSource(text))).to.equal(JSON.stringify(crdFromSource(text)));
  });

  describe("refuses what it cannot express, naming the type and property", () => {
    const cases: Array<[string, string, RegExp]> = [
      [
        "a non-literal union",
        "count: number | string;",
        /WidgetSpec\.count: unsupported type "number \| string"/,
      ],
      ["any", "whatever: any;", /WidgetSpec\.whatever: unsupported type "any"/],
      [
        "a tuple",
        "pair: [string, number];",
        /WidgetSpec\.pair: unsupported type "\[string, number\]"/,
      ],
      ["a foreign type", "when: Date;", /WidgetSpec\.when: unsupported type "Date"/],
      [
        "an unmarked free-form object",
        "extra: Record<string, unknown>;",
        /WidgetSpec\.extra: .*needs @preserveUnknownFields/,
      ],
      ["a method", "run(): void;", /WidgetSpec: unsupported member "run\(\): void;"/],
      [
        "a bound on a string",
        "/** @minimum 1 */ name: string;",
        /WidgetSpec\.name: @minimum applies to integer\/number only/,
      ],
      [
        "a misspelt tag",
        "/** @maxlength 3 */ name: string;",
        /WidgetSpec\.name: @maxlength is not a known schema tag/,
      ],
      [
        "a default outside its bounds",
        "/** @maximum 5\n @default 9 */ size: number;",
        /WidgetSpec\.size: @default 9 is above 5/,
      ],
      [
        "a rule without a message",
        "/** @validation self > 1 */ size: number;",
        /WidgetSpec\.size: @validation needs/,
      ],
      [
        "a root-only tag elsewhere",
        "/** @printerColumn X string .spec.x */ x: string;",
        /WidgetSpec\.x: @printerColumn is only allowed on the root type/,
      ],
    ];
    for (const [what, member, expected] of cases) {
      it(what, () => {
        const text = source(`export interface WidgetSpec {\n${member}\n}`);
        expect(generationError(text)).to.match(expected);
      });
    }

    it("a recursive type", () => {
      const text = source(`
        export interface Node { children?: Node[] }
        export interface WidgetSpec { tree: Node }`);
      expect(generationError(text)).to.match(/recursive type WidgetSpec -> Node -> Node/);
    });

    it("a list map keyed by an optional field", () => {
      const text = source(`
        export interface Item { key?: string }
        export interface WidgetSpec {
          /**
           * @listType map
           * @listMapKey key
           */
          items: Item[];
        }`);
      expect(generationError(text)).to.match(/WidgetSpec\.items: @listMapKey key must be required/);
    });

    it("a missing root", () => {
      const text = source("export interface WidgetSpec { size: number }").replace(
        "@kind Widget",
        "",
      );
      expect(generationError(text)).to.match(/exactly one interface must carry @kind, found 0/);
    });
  });
});
