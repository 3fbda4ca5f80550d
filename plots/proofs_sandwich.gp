# proofs_sandwich.gp - Theorems 4.3 and 4.5 together (k = 1): measured
# E||grad F||^2 of the upper-bound runs and of the eq. (8) construction, both
# bounds, against T (log-log), and the upper/lower ratio.
set datafile separator ","
do for [fmt in "png pdf"] {
  if (fmt eq "png") { set terminal pngcairo size 1200,500 font ",10" } else { set terminal pdfcairo size 12in,5in font ",10" }
  set output outbase.".".fmt
  set multiplot layout 1,2
  f = indir."/sandwich.csv"
  set logscale xy; set xlabel "T"; set ylabel "E||grad F||^2"; set key bottom left; set title "sandwich (k = 1)"
  plot f using 1:2:(1.96*$3) with yerrorlines title "upper-bound runs (measured)", f using 1:4 with lines dt 2 title "upper bound (6)", \
       f using 1:5 with linespoints title "construction eq. (8) (measured, eq. 42)", f using 1:6 with lines dt 2 title "lower bound (9)"
  unset logscale y; set logscale x; set ylabel "ratio"; set title "upper / lower"
  plot f using 1:7 with linespoints title "bound (6) / bound (9)", f using 1:8 with linespoints title "measured / measured"
  unset multiplot
}
