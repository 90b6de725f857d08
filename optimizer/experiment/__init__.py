"""Proof of lift: a budget-split holdout experiment that measures what spendopt earns on the account.

::

    design     (design.py)     seeded stratified split of the campaigns into two arms,
                               each with a fixed share of total_daily
    planning   (planning.py)   MDE at 80 % power for N days from the account's own history
    analysis   (analysis.py)   CUPED-adjusted lift of GMV per yuan, delta method or block
                               bootstrap over days, fixed horizon or always-valid
    series     (series.py)     per-campaign rows -> the split and the daily arm series
    lifecycle  (lifecycle.py)  plan / start / read / stop on the store
    arms       (arms.py)       the daily job and the review import kept inside the arms
    report     (report.py)     text (i18n), CSV and the chart

Stored in ``optimizer.store.experiments``; run in simulation against its
counterfactual by ``optimizer.simulate.experiment``.
"""
