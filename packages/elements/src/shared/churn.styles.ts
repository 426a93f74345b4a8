import { css } from 'lit';

/** `--_churn`: the colour of the risk band named by the nearest `data-band`. */
export const churnBandStyles = css`
  [data-band='low'] {
    --_churn: var(--_churn-low);
  }
  [data-band='medium'] {
    --_churn: var(--_churn-medium);
  }
  [data-band='high'] {
    --_churn: var(--_churn-high);
  }
`;
