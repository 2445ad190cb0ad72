import { PERIODS, type Days } from "./period";

export function PeriodPicker({ days, onChange }: { days: Days; onChange: (days: Days) => void }) {
  return (
    <div role="group" aria-label="Period" className="actions">
      {PERIODS.map((option) => (
        <button key={option} type="button" aria-pressed={option === days} onClick={() => onChange(option)}>
          {option} days
        </button>
      ))}
    </div>
  );
}
