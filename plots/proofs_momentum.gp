# proofs_momentum.gp - App. B.3: Monte Carlo E||grad F(W_t)||^2 vs the exact
# second-moment recursion (mu = 0, 0.5, 0.9) with Lemma B.5's two closed forms,
# and the T-rate of min over eta of the worse quadratic (Theorem B.4).
set datafile separator ","
do for [fmt in "png pdf"] {
  if (fmt eq "png") { set terminal pngcairo size 1200,500 font ",10" } else { set terminal pdfcairo size 12in,5in font ",10" }
  set output outbase.".".fmt
  set multiplot layout 1,2
  f = indir."/momentum_mc.csv"
  set logscale y; set xlabel "t"; set ylabel "E||grad F(W_t)||^2"; set title "Lemma B.5: MC (bars) vs recursion (lines)"
  plot for [i=0:2] f index i every 5 using 2:3:(1.96*$4) with yerrorbars pt 7 ps 0.5 title sprintf("MC mu=%s", word("0 0.5 0.9", i+1)), \
       for [i=0:2] f index i using 2:5 with lines notitle, \
       f index 0 using 2:7 with lines dt 2 lw 2 lc rgb "black" title "Lemma B.5 as stated (C sigma^2/k)"
  g = indir."/momentum_lower.csv"
  set logscale xy; set xlabel "T"; set ylabel "min_eta max_f min_t E||grad F||^2"; set title "Theorem B.4 rate"
  plot for [i=0:2] g index i using 2:4 with linespoints title sprintf("mu=%s", word("0 0.5 0.9", i+1)), \
       g index 2 using 2:8 with linespoints dt 4 title "mu=0.9, kappa scaled by 1/(1-mu)", \
       g index 0 using 2:5 with lines dt 2 lc rgb "black" title "D sqrt(C sigma^2/(32kT))"
  unset multiplot
}
