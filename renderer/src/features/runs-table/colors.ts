/** One colour per compared run, in the order they were ticked (the overlay, the diff and the plot agree). */
export const RUN_COLORS = ['#2563eb', '#ea580c', '#15803d', '#9333ea', '#db2777', '#0891b2', '#ca8a04', '#475569'];
export const runColor = (i: number) => RUN_COLORS[i % RUN_COLORS.length]!;
