import { ApiException } from "@kubernetes/client-node";
import { expect } from "chai";
import { apiStatusCode } from "../../../../operator/controller/runtime/apiStatusCode.js";

describe("apiStatusCode", () => {
  it("reads client-node's ApiException (code)", () => {
    expect(apiStatusCode(new ApiException(409, "Conflict", {}, {}))).to.equal(409);
  });

  it("reads client-node's Watch error (statusCode) and a watch ERROR event's Status (code)", () => {
    expect(apiStatusCode(Object.assign(new Error("Gone"), { statusCode: 410 }))).to.equal(410);
    expect(
      apiStatusCode({ kind: "Status", status: "Failure", code: 410, reason: "Expired" }),
    ).to.equal(410);
  });

  it("has none for network errors, strings and nullish values", () => {
    expect(apiStatusCode(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }))).to.equal(
      undefined,
    );
    expect(apiStatusCode("HTTP 500")).to.equal(undefined);
    expect(apiStatusCode(undefined)).to.equal(undefined);
    expect(apiStatusCode(null)).to.equal(undefined);
  });
});
