import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen, within } from "@testing-library/react";
import { BarChart } from "./BarChart";

afterEach(cleanup);

const days = (n: number) => Array.from({ length: n }, (_, i) => ({ label: `d${i}`, value: i % 3 }));

describe("BarChart", () => {
  it("draws one bar per bucket, scaled to the highest, each named with its value", () => {
    render(<BarChart title="Plays by day" bars={[{ label: "12-01", value: 2 }, { label: "12-02", value: 0 }, { label: "12-03", value: 4 }]} format={(n) => `${n} plays`} />);
    const chart = screen.getByRole("img", { name: "Plays by day: 6 plays over 3 buckets, highest 4 plays" });
    const bars = within(chart as unknown as HTMLElement).getAllByTestId("bar");
    expect(bars).toHaveLength(3);
    expect(bars.map((bar) => bar.textContent)).toEqual(["12-01: 2 plays", "12-02: 0 plays", "12-03: 4 plays"]);
    const [first = NaN, second, third = NaN] = bars.map((bar) => Number(bar.getAttribute("height")));
    expect(second).toBe(0);
    expect(first * 2).toBeCloseTo(third);
    expect(screen.getAllByTestId("bar-label").map((label) => label.textContent)).toEqual(["12-01", "12-02", "12-03"]);
  });

  it("labels at most eight buckets on the axis and keeps every value in a table", () => {
    render(<BarChart title="Plays" bars={days(30)} />);
    expect(screen.getAllByTestId("bar")).toHaveLength(30);
    const labels = screen.getAllByTestId("bar-label").map((label) => label.textContent);
    expect(labels).toEqual(["d0", "d4", "d8", "d12", "d16", "d20", "d24", "d28"]);
    const table = screen.getByRole("table", { name: "Plays" });
    expect(within(table).getAllByRole("row")).toHaveLength(30);
    expect(within(table).getByRole("rowheader", { name: "d29" }).nextSibling?.textContent).toBe("2");
  });

  it("draws an empty period flat, not as a division by zero", () => {
    render(<BarChart title="Errors" bars={days(7).map((bar) => ({ ...bar, value: 0 }))} />);
    expect(screen.getAllByTestId("bar").map((bar) => bar.getAttribute("height"))).toEqual(Array(7).fill("0"));
    expect(screen.getByRole("img", { name: "Errors: 0 over 7 buckets, highest 0" })).toBeTruthy();
  });
});
