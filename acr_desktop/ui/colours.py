"""The few text colours the window uses to say how something went (one of each, app-wide)."""

OK_COLOUR = "#1a7f37"  # verified, signed in
WARNING_COLOUR = "#b35900"  # worth a look: a digest that differs, a platform warning
ERROR_COLOUR = "#c62828"  # failed, or a switch that puts credentials at risk
NOTE_COLOUR = "#6d5300"  # a remark beside a form field
