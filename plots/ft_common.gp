# ft_common.gp - shared by the fine-tuning figures (ft_fig*.gp): terminal,
# palette (SGD vermillion, SAM blue, NSO green, as plots/common.gp), bar style,
# and a "no data" frame for a data file without rows (quick profile).
# Expects indir, outdir, fmt, label, name; sets f_rows(file) helper.
load "plots/common.gp"
set key outside right top vertical Left reverse noenhanced box opaque samplen 2 spacing 1.2 width 1
set datafile columnheaders
set style fill solid 0.85 border rgb "#333333"
set style histogram errorbars gap 1.5 lw 1.3
set boxwidth 0.9
set errorbars 0.5
c_sgd = "#D55E00"; c_sam = "#0072B2"; c_nso = "#009E73"; c_alone = "#999999"
# has(file, col): the number of data rows with a value (not NaN) in column col
has(file, col) = int(system(sprintf("awk -F, '!/^#/ { if (!h) { h = 1; next } if ($%d != \"NaN\" && $%d != \"nan\" && $%d != \"\") n++ } END { print n + 0 }' '%s' 2>/dev/null || echo 0", col, col, col, file)))
rows(file) = int(system("test -f '".file."' && grep -v '^#' '".file."' | tail -n +2 | grep -c . || echo 0"))
nodata(what) = sprintf("set xrange [0:1]; set yrange [0:1]; unset xtics; unset ytics; set label 99 'no data yet: %s' at 0.5,0.5 center; plot 1/0 notitle; unset label 99; set xtics; set ytics; set autoscale", what)
