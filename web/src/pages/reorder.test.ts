import { describe, expect, it } from "vitest";
import { moved } from "./reorder";

describe("moved", () => {
  it("takes an item out and puts it at the new position, as the playlist API does", () => {
    expect(moved(["a", "b", "c", "d"], 0, 2)).toEqual(["b", "c", "a", "d"]);
    expect(moved(["a", "b", "c", "d"], 3, 0)).toEqual(["d", "a", "b", "c"]);
    expect(moved(["a", "b"], 1, 1)).toEqual(["a", "b"]);
  });

  it("leaves the list alone for a position that is not there", () => {
    const list = ["a", "b"];
    expect(moved(list, 5, 0)).toBe(list);
  });
});
