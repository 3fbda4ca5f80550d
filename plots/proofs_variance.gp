# proofs_variance.gp - Lemma 4.4: E||xi||^2 and E||delta||^2 against k with the
# bounds sigma^2/k and C^2 H(P)/k, and the one-point (WP) delta for comparison.
set datafile separator ","
do for [fmt in "png pdf"] {
  if (fmt eq "png") { set terminal pngcairo size 1200,500 font ",10" } else { set terminal pdfcairo size 12in,5in font ",10" }
  set output outbase.".".fmt
  set multiplot layout 1,2
  f = indir."/nso_variance.csv"
  set logscale xy; set xlabel "k"; set key bottom left
  set title "E||xi||^2 (oracle noise)"; set ylabel "E||xi||^2"
  plot for [l=0:3] f index l using 2:3 with points title "paired ".word("gaussian laplace uniform binomial", l+1), \
       f index 0 using 2:5 with points title "independent seeds", f index 0 using 2:11 with lines lc rgb "black" title "sigma^2/k"
  set title "E||delta||^2 (perturbation noise)"; set ylabel "E||delta||^2"
  plot for [l=0:3] f index l using 2:7 with linespoints title "two-point ".word("gaussian laplace uniform binomial", l+1), \
       for [l=0:3] f index l using 2:9 with lines dt 3 title "one-point ".word("gaussian laplace uniform binomial", l+1), \
       f index 0 using 2:12 with lines lc rgb "black" title "C^2 H(P)/k"
  unset multiplot
}
